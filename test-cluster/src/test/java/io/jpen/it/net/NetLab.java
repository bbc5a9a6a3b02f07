package io.jpen.it.net;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A small network of hosts on one machine: one Linux bridge and, per host, a network namespace joined to it by a veth
 * pair. Addresses come from {@value #SUBNET}, which exists only inside these namespaces (the bridge itself has no
 * address, so the machine's own routing never sees it).
 *
 * <p>Names carry the owning JVM's PID and a letter ({@code jpt-4711a-n1}, bridge {@code jptbr4711a}, host-side veth
 * {@code jpt4711an1}), so labs of concurrent test JVMs never collide, and a lab whose JVM died (SIGKILL) can be
 * recognised as a leftover and removed by the next run ({@link #sweepLeftovers()}).
 *
 * <p>Everything a lab creates (processes it starts, namespaces, veths, the bridge) is removed by {@link #close()}, which
 * a shutdown hook also calls when the JVM is interrupted. Removal order: processes first (a namespace with live
 * processes would outlive {@code ip netns del}), then namespaces (which takes their veth ends along), then the bridge.
 */
public final class NetLab implements AutoCloseable {
    /** The private test subnet, inside namespaces only. */
    public static final String SUBNET = "10.79.0.0/16";
    public static final int PREFIX = 16;

    private static final Pattern NS_NAME = Pattern.compile("jpt-(\\d+)([a-z])-\\S+");
    private static final Pattern LINK_NAME = Pattern.compile("jpt(?:br)?(\\d+)([a-z])\\S*");
    private static final Set<NetLab> OPEN = ConcurrentHashMap.newKeySet();
    private static final long PID = ProcessHandle.current().pid();
    private static int sequence;
    private static boolean swept;

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            for (NetLab lab : OPEN) {
                lab.close();
            }
        }, "jpt-netlab-cleanup"));
    }

    private final String id;
    private final String bridge;
    private final Path logDir;
    private final Map<String, Host> hosts = new LinkedHashMap<>();
    private final Deque<AutoCloseable> owned = new ArrayDeque<>();
    private boolean closed;

    private NetLab(String id, Path logDir) {
        this.id = id;
        this.bridge = "jptbr" + id;
        this.logDir = logDir;
    }

    /**
     * Checks privileges (refusing to run without them, see {@link Privileges}), removes leftovers of dead runs, and
     * creates the bridge.
     *
     * @param logDir where the logs of processes started in the lab's hosts go (kept after the run)
     */
    public static NetLab create(Path logDir) throws IOException {
        Privileges.requireNetworkAdmin();
        sweepLeftovers();
        String id;
        synchronized (NetLab.class) {
            id = PID + String.valueOf((char) ('a' + sequence++ % 26));
        }
        Files.createDirectories(logDir);
        NetLab lab = new NetLab(id, logDir);
        OPEN.add(lab);
        try {
            Cmd.check("ip", "link", "add", lab.bridge, "type", "bridge");
            // forward at once: no STP listening/learning delay on a port that comes back up after a cut
            Cmd.check("ip", "link", "set", lab.bridge, "type", "bridge", "forward_delay", "0", "stp_state", "0");
            Cmd.check("ip", "link", "set", lab.bridge, "up");
        } catch (RuntimeException e) {
            lab.close();
            throw e;
        }
        return lab;
    }

    /**
     * Adds a host: namespace {@code jpt-ID-NAME} with {@code eth0} at {@code address}/16 plugged into the bridge,
     * loopback up, IPv6 off (keeps captures quiet).
     */
    public synchronized Host addHost(String name, String address) {
        if (hosts.containsKey(name)) {
            throw new IllegalArgumentException("host " + name + " exists");
        }
        String ns = "jpt-" + id + "-" + name;
        String veth = "jpt" + id + name;
        if (veth.length() > 15) {
            throw new IllegalArgumentException("host name too long for an interface name: " + veth);
        }
        Cmd.check("ip", "netns", "add", ns);
        Host h = new Host(this, name, ns, veth, address);
        hosts.put(name, h); // from here on close() removes it
        Cmd.check("ip", "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", ns);
        Cmd.check("ip", "link", "set", veth, "master", bridge, "up");
        h.exec("sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1").orThrow();
        h.exec("sysctl", "-q", "-w", "net.ipv6.conf.default.disable_ipv6=1").orThrow();
        Cmd.check("ip", "-n", ns, "link", "set", "lo", "up");
        Cmd.check("ip", "-n", ns, "addr", "add", address + "/" + PREFIX, "dev", "eth0");
        Cmd.check("ip", "-n", ns, "link", "set", "eth0", "up");
        h.readMac();
        return h;
    }

    public synchronized Host host(String name) {
        Host h = hosts.get(name);
        if (h == null) {
            throw new IllegalArgumentException("no host " + name + " in " + hosts.keySet());
        }
        return h;
    }

    public synchronized List<Host> hosts() {
        return List.copyOf(hosts.values());
    }

    public String id() {
        return id;
    }

    public String bridge() {
        return bridge;
    }

    public Path logDir() {
        return logDir;
    }

    /** Registers something to close (a process, a watcher) before the namespaces go. Closed in reverse order. */
    public synchronized <T extends AutoCloseable> T own(T resource) {
        if (closed) {
            closeQuietly(resource);
            throw new IllegalStateException("lab " + id + " is closed");
        }
        owned.push(resource);
        return resource;
    }

    /** Removes everything this lab created. Safe to call more than once, and from the shutdown hook. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        while (!owned.isEmpty()) {
            closeQuietly(owned.pop());
        }
        for (Host h : hosts.values()) {
            removeNamespace(h.namespace());
        }
        for (Host h : hosts.values()) {
            Cmd.quiet("ip", "link", "del", h.veth());
        }
        Cmd.quiet("ip", "link", "del", bridge);
        hosts.clear();
        OPEN.remove(this);
    }

    /**
     * Removes namespaces, veths and bridges with this harness's prefix whose owning JVM is gone (killed before its
     * shutdown hook ran). Processes still running in such a namespace were started by that run and are killed by PID.
     * Runs once per JVM.
     */
    public static synchronized void sweepLeftovers() {
        if (swept) {
            return;
        }
        swept = true;
        sweep();
    }

    /** {@link #sweepLeftovers()} without the once-per-JVM guard (for the harness's own test). */
    static synchronized void sweep() {
        for (String line : Cmd.quiet("ip", "netns", "list").output().split("\n")) {
            String ns = line.split(" ")[0].trim();
            Matcher m = NS_NAME.matcher(ns);
            if (m.matches() && !ownerAlive(Long.parseLong(m.group(1)))) {
                System.err.println("jpt: removing leftover namespace " + ns);
                removeNamespace(ns);
            }
        }
        for (String line : Cmd.quiet("ip", "-o", "link", "show").output().split("\n")) {
            String[] f = line.split(":\\s+");
            if (f.length < 2) {
                continue;
            }
            String name = f[1].split("@")[0].trim();
            Matcher m = LINK_NAME.matcher(name);
            if (m.matches() && !ownerAlive(Long.parseLong(m.group(1)))) {
                System.err.println("jpt: removing leftover link " + name);
                Cmd.quiet("ip", "link", "del", name);
            }
        }
    }

    /** Names of this harness's namespaces and links currently present (tests of the cleanup use it). */
    public static List<String> present() {
        List<String> out = new ArrayList<>();
        for (String line : Cmd.quiet("ip", "netns", "list").output().split("\n")) {
            String ns = line.split(" ")[0].trim();
            if (NS_NAME.matcher(ns).matches()) {
                out.add(ns);
            }
        }
        for (String line : Cmd.quiet("ip", "-o", "link", "show").output().split("\n")) {
            String[] f = line.split(":\\s+");
            if (f.length >= 2 && LINK_NAME.matcher(f[1].split("@")[0].trim()).matches()) {
                out.add(f[1].split("@")[0].trim());
            }
        }
        return out;
    }

    private static boolean ownerAlive(long pid) {
        if (pid == PID) {
            return true;
        }
        return ProcessHandle.of(pid).map(p -> p.isAlive()
                && p.info().command().map(c -> c.contains("java")).orElse(true)).orElse(false);
    }

    private static void removeNamespace(String ns) {
        // processes left inside were started there by this harness (or by a node it started): stop them by PID
        for (int round = 0; round < 3; round++) {
            String pids = Cmd.quiet("ip", "netns", "pids", ns).output().trim();
            if (pids.isEmpty() || !pids.chars().allMatch(c -> Character.isDigit(c) || Character.isWhitespace(c))) {
                break;
            }
            for (String pid : pids.split("\\s+")) {
                ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly);
            }
            for (String pid : pids.split("\\s+")) {
                ProcessHandle.of(Long.parseLong(pid)).ifPresent(p -> {
                    try {
                        p.onExit().get(5, java.util.concurrent.TimeUnit.SECONDS);
                    } catch (Exception ignored) {
                        // reported below if the namespace cannot go
                    }
                });
            }
        }
        Cmd.Result r = Cmd.quiet("ip", "netns", "del", ns);
        if (!r.ok() && !r.output().contains("No such file")) {
            System.err.println("jpt: could not remove namespace " + ns + ": " + r.output().strip());
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            System.err.println("jpt: cleanup of " + c + " failed: " + e);
        }
    }
}
