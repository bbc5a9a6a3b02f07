package io.jpen.it.failover;

import io.jpen.it.agent.BackendMain;
import io.jpen.it.net.Agents;
import io.jpen.it.net.ArpWatch;
import io.jpen.it.net.Child;
import io.jpen.it.net.Host;
import io.jpen.it.net.NetLab;
import io.jpen.it.net.Probe;
import io.jpen.it.net.VipWatch;
import io.jpen.node.testing.JpenProcess;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.awaitility.Awaitility.await;

/**
 * A jpen cluster in a {@link NetLab}: 2-3 nodes (each its own JVM through the real {@code ./jpen} launcher, in its
 * own namespace, with the real vip-scripts), optionally a witness, three self-identifying backends and a client host
 * running the {@link Probe}. Clients reach the service only through the VIPs.
 *
 * <pre>
 *   n1..n3   10.79.0.11-13   nodes: listener *:8080, control port :8888, Hazelcast and JGroups on their address
 *   w        10.79.0.19      witness (votes only)
 *   b1..b3   10.79.0.21-23   backends on :9000, answering their name
 *   c        10.79.0.31      client; tracked clients from 10.79.2.1-12, long-lived connections from 10.79.3.1-12
 *   VIPs     10.79.0.100-102
 * </pre>
 */
public final class JpenCluster implements AutoCloseable {
    public static final int PORT = 8080;
    public static final int CONTROL = 8888;
    public static final List<String> ALL_VIPS = List.of("10.79.0.100", "10.79.0.101", "10.79.0.102");
    public static final List<String> TRACKED = IntStream.rangeClosed(1, 12).mapToObj(i -> "10.79.2." + i).toList();
    public static final List<String> STREAM_SOURCES = IntStream.rangeClosed(1, 12).mapToObj(i -> "10.79.3." + i).toList();
    private static final Duration START = Duration.ofSeconds(90);
    /**
     * {@code -Djpen.failover.nodeOptions="--key=value ..."}: added to every node's command line (the
     * {@code --jgroups-*} and {@code --vip-fence-timeout} to the witness's too), to measure other settings.
     */
    private static final List<String> EXTRA_OPTIONS = List.of(
            System.getProperty("jpen.failover.nodeOptions", "").trim().split("\\s+")).stream()
            .filter(o -> !o.isEmpty()).toList();
    /**
     * {@code -Djpen.failover.javaOpts="-Dlogback.configurationFile=/tmp/debug.xml ..."}: JVM flags added to every
     * node's (after the GC log), to look inside a scenario (a logger's level, another collector).
     */
    private static final String EXTRA_JAVA_OPTS = System.getProperty("jpen.failover.javaOpts", "").trim();
    /**
     * {@code -Djpen.failover.warmup=SECONDS}: traffic through every VIP for this long once the cluster is whole,
     * before the first run (default 60 in the full run, 15 otherwise; 0 for none). The harness runs every node, the
     * backends and the client on the machine's two cores: for their first seconds the backends and the nodes do not
     * keep up with 100 connections a second per VIP (every attempt of the first ~7 s failed, measured 2026-11-27),
     * and a JVM's first minute of compiling slows every other node too, which on hosts of their own it would not.
     */
    private static final Duration WARM_UP = Duration.ofSeconds(
            Long.getLong("jpen.failover.warmup", Scenarios.full() ? 60 : 15));

    /**
     * What to build.
     *
     * @param nodes   2 or 3
     * @param witness whether a witness runs
     * @param quorum  {@code vip_quorum} of every member: {@code off}, {@code majority} or a count
     * @param vips    how many VIPs (1-3)
     * @param options extra node options, as {@code --key=value}
     */
    public record Setup(int nodes, boolean witness, String quorum, int vips, List<String> options) {
        public String describe() {
            return nodes + " nodes" + (witness ? " + witness" : "") + ", vip_quorum " + quorum + ", " + vips
                    + (vips == 1 ? " VIP" : " VIPs") + (options.isEmpty() ? "" : ", " + String.join(" ", options))
                    + (EXTRA_OPTIONS.isEmpty() ? "" : ", " + String.join(" ", EXTRA_OPTIONS));
        }
    }

    private final NetLab lab;
    private final Setup setup;
    private final List<Host> nodes = new ArrayList<>();
    private final List<Host> backends = new ArrayList<>();
    private final Map<String, Child> running = new ConcurrentHashMap<>();
    private final Map<String, Child> backendProcs = new ConcurrentHashMap<>();
    private final Map<String, Integer> starts = new ConcurrentHashMap<>();
    private Host witness;
    private Host client;
    private Probe probe;
    private VipWatch vipWatch;
    private ArpWatch arpWatch;

    private JpenCluster(NetLab lab, Setup setup) {
        this.lab = lab;
        this.setup = setup;
    }

    /** Builds the network, starts backends, witness, nodes (one after the other) and the probe; waits until whole. */
    public static JpenCluster start(String name, Setup setup) throws Exception {
        if (!JpenProcess.distributionBuilt()) {
            throw new IllegalStateException("no distribution in deploy/target/jpen/lib: run mvn package first");
        }
        NetLab lab = NetLab.create(Path.of("target", "failover-logs", name));
        JpenCluster c = new JpenCluster(lab, setup);
        try {
            c.build();
        } catch (Exception | Error e) {
            lab.close();
            throw e;
        }
        return c;
    }

    private void build() throws Exception {
        for (int i = 1; i <= setup.nodes; i++) {
            nodes.add(lab.addHost("n" + i, "10.79.0.1" + i));
        }
        if (setup.witness) {
            witness = lab.addHost("w", "10.79.0.19");
        }
        for (int i = 1; i <= 3; i++) {
            backends.add(lab.addHost("b" + i, "10.79.0.2" + i));
        }
        client = lab.addHost("c", "10.79.0.31");
        for (String a : TRACKED) {
            client.addAddress(a);
        }
        for (String a : STREAM_SOURCES) {
            client.addAddress(a);
        }
        for (Host b : backends) {
            startBackend(b.name());
        }
        vipWatch = lab.own(new VipWatch(nodes, Set.copyOf(vips()), lab.logDir()));
        arpWatch = lab.own(new ArpWatch(client, Set.copyOf(vips()), lab.logDir()));
        probe = lab.own(Probe.start(client, Scenarios.ATTEMPT_TIMEOUT));
        if (witness != null) {
            startWitness();
        }
        for (Host n : nodes) {
            startNode(n.name());
            // one at a time: Hazelcast members started together take far longer to agree
            await().atMost(START).pollInterval(Duration.ofMillis(200))
                    .until(() -> hazelcastMembers(n.name()) >= 1);
        }
        awaitWhole(START);
        warmUp();
    }

    /** {@link #WARM_UP}: a connector through each VIP, as in a run, then halted; prints what it saw. */
    private void warmUp() {
        if (WARM_UP.isZero()) {
            return;
        }
        long from = System.nanoTime();
        List<String> connectors = vips().stream().map(v -> "warm-up-" + v).toList();
        for (int i = 0; i < connectors.size(); i++) {
            probe.run(connectors.get(i), target(vips().get(i)));
        }
        await().atMost(WARM_UP.plusSeconds(5)).pollInterval(Duration.ofMillis(200))
                .until(() -> System.nanoTime() - from >= WARM_UP.toNanos());
        for (String n : connectors) {
            probe.halt(n);
            List<Probe.Attempt> a = probe.attempts(n);
            List<Probe.Attempt> failed = a.stream().filter(x -> !x.ok()).toList();
            // the backends (small JVMs, a thread per connection) and the nodes take the first seconds to keep up
            System.out.printf("%s: warm-up of %d s through %s: %d attempts, %d failed%s%n",
                    lab.logDir().getFileName(), WARM_UP.toSeconds(), n.substring("warm-up-".length()), a.size(),
                    failed.size(), failed.isEmpty() ? "" : ", the last " + (failed.get(failed.size() - 1).start()
                            - from) / 1_000_000 + " ms after the start (" + failed.stream().map(Probe.Attempt::detail)
                            .distinct().collect(Collectors.joining(", ")) + ")");
        }
    }

    // ------------------------------------------------------------------------------------------------ topology

    public Setup setup() {
        return setup;
    }

    public NetLab lab() {
        return lab;
    }

    public List<String> vips() {
        return ALL_VIPS.subList(0, setup.vips);
    }

    public List<String> nodeNames() {
        return nodes.stream().map(Host::name).toList();
    }

    public Host host(String name) {
        return lab.host(name);
    }

    public Host client() {
        return client;
    }

    public Probe probe() {
        return probe;
    }

    public VipWatch vipWatch() {
        return vipWatch;
    }

    public ArpWatch arpWatch() {
        return arpWatch;
    }

    /** The backend name for a backend host (they answer with their host name). */
    public List<String> backendNames() {
        return backends.stream().map(Host::name).toList();
    }

    public static String target(String vip) {
        return vip + ":" + PORT;
    }

    // ------------------------------------------------------------------------------------------------ processes

    /** The options every node gets; see {@link Setup} for what varies. */
    List<String> nodeArgs(Host n) {
        List<String> a = new ArrayList<>(List.of(
                "--node-name=" + n.name(),
                "-C", n.address() + ":" + CONTROL,
                "-t", "1",          // backend connect timeout: a dead backend host costs a client 1 s, not 3
                "-b", "10",         // blacklist time
                "--cluster-name=jpt",
                "--cluster-members=" + members(),
                "--cluster-bind=" + n.address(),
                "--vip-address=" + vips().stream().map(v -> v + "/32@eth0").collect(Collectors.joining(",")),
                "--vip-quorum=" + setup.quorum));
        a.addAll(setup.options);
        a.addAll(EXTRA_OPTIONS);
        a.add(Integer.toString(PORT));
        for (Host b : backends) {
            a.add(b.address() + ":9000");
        }
        return a;
    }

    private String members() {
        List<String> m = new ArrayList<>(nodes.stream().map(Host::address).toList());
        if (witness != null) {
            m.add(witness.address());
        }
        return String.join(",", m);
    }

    /** Starts (or restarts) a node through the launcher and waits for its "started" line. */
    public Child startNode(String name) throws IOException, InterruptedException {
        Host n = lab.host(name);
        String label = "jpen" + suffix(name);
        // the JVM's pauses next to the node's log: a stalled node is a matter of GC or of CPU, and this tells which
        Path gc = lab.logDir().resolve(name + "-" + label + "-gc.log").toAbsolutePath();
        String gcLog = "-Xlog:gc:file=" + gc + ":uptime,time";
        String javaOpts = (gcLog + " " + EXTRA_JAVA_OPTS).trim();
        List<String> cmd = new ArrayList<>(List.of("env", "JPEN_HEAP=128m", "JPEN_JAVA_OPTS=" + javaOpts, launcher()));
        cmd.addAll(nodeArgs(n));
        Child c = n.start(label, cmd);
        running.put(name, c);
        c.awaitOutput("started:", START);
        return c;
    }

    private void startWitness() throws IOException, InterruptedException {
        List<String> args = List.of("--node-name=w", "-C", witness.address() + ":" + CONTROL, "--cluster-name=jpt",
                "--cluster-members=" + members(), "--cluster-bind=" + witness.address(), "--vip-quorum=" + setup.quorum);
        args = new ArrayList<>(args);
        args.addAll(EXTRA_OPTIONS.stream().filter(o -> o.startsWith("--jgroups-") || o.startsWith("--vip-fence"))
                .toList());
        List<String> cmd = new ArrayList<>(List.of("env", "JPEN_HEAP=64m", launcher(), "witness"));
        cmd.addAll(args);
        Child c = witness.start("witness" + suffix("w"), cmd);
        running.put("w", c);
        c.awaitOutput("started", START);
    }

    private String suffix(String name) {
        int n = starts.merge(name, 1, Integer::sum);
        return n == 1 ? "" : "-" + n;
    }

    private static String launcher() {
        return JpenProcess.root().resolve("jpen").toString();
    }

    public Child process(String name) {
        return running.get(name);
    }

    public boolean isRunning(String name) {
        Child c = running.get(name);
        return c != null && c.isAlive();
    }

    /** {@code kill -9} of a node; waits until the process is gone. */
    public void kill(String name) throws InterruptedException {
        Child c = running.remove(name);
        c.signal("KILL");
        c.waitFor(Duration.ofSeconds(10));
    }

    public void startBackend(String name) throws IOException, InterruptedException {
        Host b = lab.host(name);
        List<String> cmd = new ArrayList<>(Agents.java(b, BackendMain.class, "32m"));
        cmd.addAll(List.of(name, "0.0.0.0", "9000"));
        Child c = b.start("backend" + suffix(name), cmd);
        backendProcs.put(name, c);
        c.awaitOutput("listening", Duration.ofSeconds(30));
    }

    public void killBackend(String name) throws InterruptedException {
        Child c = backendProcs.remove(name);
        c.signal("KILL");
        c.waitFor(Duration.ofSeconds(10));
    }

    // ------------------------------------------------------------------------------------------------ control port

    /** A control command on a node (through the client host's probe); null when it did not answer. */
    public String ctl(String node, String command) {
        return probe.ctl(lab.host(node).address() + ":" + CONTROL, command);
    }

    /** Hazelcast members a node sees ({@code cluster}: "members N: ..."); -1 when it cannot tell. */
    public int hazelcastMembers(String node) {
        String r = ctl(node, "cluster");
        if (r == null) {
            return -1;
        }
        for (String line : r.split("\n")) {
            if (line.startsWith("members ")) {
                try {
                    return Integer.parseInt(line.substring(8).split("[: ]")[0]);
                } catch (NumberFormatException e) {
                    return -1;
                }
            }
        }
        return -1;
    }

    /** JGroups view members a node or the witness sees ({@code vip view}: "member NAME ROLE" lines); -1 if unknown. */
    public int viewMembers(String node) {
        String r = ctl(node, "vip view");
        if (r == null || !r.contains("view")) {
            return -1;
        }
        return (int) r.lines().filter(l -> l.startsWith("member ")).count();
    }

    /**
     * A node's role in its own leadership view ({@code vip view}: "member NAME ROLE"): eligible, not-ready(...),
     * FAULT, leaving, witness or ?; null when it does not answer.
     */
    public String role(String node) {
        String r = ctl(node, "vip view");
        if (r == null) {
            return null;
        }
        for (String l : r.split("\n")) {
            String[] w = l.split(" ");
            if (w.length >= 3 && w[0].equals("member") && w[1].equals(node)) {
                return w[2];
            }
        }
        return "?";
    }

    /** Every running node says it is eligible for a VIP (healthy, and its shared table loaded). */
    public boolean allEligible() {
        return nodeNames().stream().filter(this::isRunning).allMatch(n -> "eligible".equals(role(n)));
    }

    /** Every running node holds as many VIPs as any other, give or take one (issue #5: spread over the live nodes). */
    public boolean spread() {
        Map<String, Integer> load = new LinkedHashMap<>();
        for (String n : nodeNames()) {
            if (isRunning(n)) {
                load.put(n, 0);
            }
        }
        for (String h : holders().values()) {
            if (h == null || !load.containsKey(h)) {
                return false;
            }
            load.merge(h, 1, Integer::sum);
        }
        int max = load.values().stream().mapToInt(Integer::intValue).max().orElse(0);
        int min = load.values().stream().mapToInt(Integer::intValue).min().orElse(0);
        return max - min <= 1;
    }

    /** Every running member sees every running member (JGroups view, Hazelcast membership). */
    public boolean whole() {
        List<String> up = nodeNames().stream().filter(this::isRunning).toList();
        int groupSize = up.size() + (isRunning("w") ? 1 : 0);
        for (String n : up) {
            if (hazelcastMembers(n) != up.size() || viewMembers(n) != groupSize) {
                return false;
            }
        }
        return witness == null || !isRunning("w") || viewMembers("w") == groupSize;
    }

    /** Waits (bounded) until {@link #whole()}; returns the nanoTime it was first seen whole. */
    public long awaitWhole(Duration timeout) {
        await().atMost(timeout).pollInterval(Duration.ofMillis(100)).until(this::whole);
        return System.nanoTime();
    }

    /** Each VIP's holder now (null for a VIP held by none or by several). */
    public Map<String, String> holders() {
        Map<String, String> m = new LinkedHashMap<>();
        for (String v : vips()) {
            m.put(v, vipWatch.holder(v));
        }
        return m;
    }

    /** Waits (bounded) until every VIP has exactly one holder among the running nodes. */
    public Map<String, String> awaitHolders(Duration timeout) {
        await().atMost(timeout).pollInterval(Duration.ofMillis(50)).until(() -> holders().values().stream()
                .allMatch(h -> h != null && isRunning(h)));
        return holders();
    }

    @Override
    public void close() {
        lab.close();
    }
}
