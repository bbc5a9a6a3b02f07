package io.jpen.vipscripts;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * Three hosts on one segment for the handover scripts: {@code jph-o} (the old holder, 10.77.50.1), {@code jph-s}
 * (the successor, 10.77.50.2) and {@code jph-c} (a client, 10.77.50.10), each with an {@code eth0} plugged into the
 * bridge {@code jphbr0} of a fourth namespace {@code jph-sw}. Everything the scripts change (nft tables, rules,
 * routes, sysctls, addresses) lives in these namespaces and goes with them: {@link #close()} stops the processes
 * started here (by PID) and removes the namespaces, also those left over from an interrupted run.
 */
final class HandoverHosts implements AutoCloseable {
    static final String OLD = "jph-o";
    static final String NEXT = "jph-s";
    static final String CLIENT = "jph-c";
    static final String SWITCH = "jph-sw";
    static final String OLD_IP = "10.77.50.1";
    static final String NEXT_IP = "10.77.50.2";
    static final String CLIENT_IP = "10.77.50.10";
    private static final List<String> ALL = List.of(OLD, NEXT, CLIENT, SWITCH);

    private final List<Process> processes = new ArrayList<>();
    private final List<Path> outputs = new ArrayList<>();
    private final Thread cleanupOnExit;

    /** Why these tests cannot run here, or null if they can (root, ip, nft, arping). */
    static String unavailable() {
        String why = TwoHosts.unavailable();
        if (why != null) {
            return why;
        }
        try {
            if (TwoHosts.run(List.of("sh", "-c", "command -v nft")).status() != 0) {
                return "no nft installed (apt-get install nftables)";
            }
        } catch (IOException e) {
            return e.toString();
        }
        return null;
    }

    HandoverHosts() throws IOException {
        removeLeftovers();
        cleanupOnExit = new Thread(this::removeLeftovers, "jph-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanupOnExit);
        must("ip", "netns", "add", SWITCH);
        must("ip", "-n", SWITCH, "link", "add", "jphbr0", "type", "bridge");
        must("ip", "-n", SWITCH, "link", "set", "jphbr0", "up");
        for (String[] h : List.of(new String[] {OLD, OLD_IP}, new String[] {NEXT, NEXT_IP},
                new String[] {CLIENT, CLIENT_IP})) {
            String ns = h[0];
            String port = "p" + ns.substring(4);
            must("ip", "netns", "add", ns);
            must("ip", "-n", ns, "link", "add", "eth0", "type", "veth", "peer", "name", port, "netns", SWITCH);
            must("ip", "-n", SWITCH, "link", "set", port, "master", "jphbr0", "up");
            must("ip", "-n", ns, "link", "set", "lo", "up");
            must("ip", "-n", ns, "link", "set", "eth0", "up");
            must("ip", "-n", ns, "addr", "add", h[1] + "/24", "dev", "eth0");
        }
    }

    /** Runs a command inside {@code ns}. */
    static TwoHosts.Result in(String ns, String... cmd) throws IOException {
        List<String> c = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        c.addAll(List.of(cmd));
        return TwoHosts.run(c);
    }

    /** Reads a file under /proc/sys inside {@code ns}, e.g. {@code net/ipv4/conf/eth0/forwarding}. */
    static String sysctl(String ns, String path) throws IOException {
        return in(ns, "cat", "/proc/sys/" + path).output().trim();
    }

    static void setSysctl(String ns, String path, String value) throws IOException {
        TwoHosts.Result r = in(ns, "sh", "-c", "echo " + value + " > /proc/sys/" + path);
        if (r.status() != 0) {
            throw new IOException("cannot set " + path + " in " + ns + ": " + r.output());
        }
    }

    /** What a handover script may have changed in {@code ns}, in one string to compare before and after. */
    static String footprint(String ns) throws IOException {
        StringBuilder b = new StringBuilder();
        b.append(TwoHosts.run(List.of("ip", "-n", ns, "rule", "show")).output());
        b.append(TwoHosts.run(List.of("ip", "-n", ns, "-4", "addr", "show", "dev", "lo")).output()
                .lines().filter(l -> l.contains("inet ")).reduce("", (x, y) -> x + y + "\n"));
        b.append(in(ns, "nft", "list", "ruleset").output());
        for (String k : List.of("conf/eth0/forwarding", "conf/eth0/rp_filter", "conf/eth0/arp_ignore",
                "conf/eth0/arp_announce", "conf/all/forwarding", "ip_forward")) {
            b.append(k).append('=').append(sysctl(ns, "net/ipv4/" + k)).append('\n');
        }
        return b.toString();
    }

    /** The MAC address of {@code eth0} in {@code ns}. */
    static String mac(String ns) throws IOException {
        return in(ns, "cat", "/sys/class/net/eth0/address").output().trim();
    }

    /** A {@link NetProbe} running in {@code ns}; its output goes to a file. */
    Probe probe(String ns, String... args) throws IOException {
        Path out = Files.createTempFile("jph-probe-", ".out");
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns,
                ProcessHandle.current().info().command().orElse("java"), "-Xmx48m", "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), NetProbe.class.getName()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        processes.add(p);
        outputs.add(out);
        return new Probe(p, out);
    }

    /** One NetProbe process and its output. */
    static final class Probe {
        final Process process;
        final Path out;

        Probe(Process process, Path out) {
            this.process = process;
            this.out = out;
        }

        List<String> lines() {
            try {
                return Files.readAllLines(out);
            } catch (IOException e) {
                return List.of();
            }
        }

        void awaitLine(String prefix, Duration atMost) {
            await().atMost(atMost).until(() -> {
                if (!process.isAlive()) {
                    throw new IllegalStateException("probe exited: " + lines());
                }
                return lines().stream().anyMatch(l -> l.startsWith(prefix));
            });
        }

        /** Tells a client probe to stop and waits for its summary. */
        List<String> stop() throws IOException, InterruptedException {
            OutputStream in = process.getOutputStream();
            in.write("stop\n".getBytes(StandardCharsets.US_ASCII));
            in.flush();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                throw new IOException("client probe did not stop: " + lines());
            }
            return lines();
        }
    }

    private static void must(String... cmd) throws IOException {
        TwoHosts.Result r = TwoHosts.run(List.of(cmd));
        if (r.status() != 0) {
            throw new IOException(String.join(" ", cmd) + ": " + r.output());
        }
    }

    private void removeLeftovers() {
        for (Process p : processes) {
            p.destroyForcibly();
        }
        for (Process p : processes) {
            try {
                p.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (Path f : outputs) {
            try {
                Files.deleteIfExists(f);
            } catch (IOException ignored) {
                // a temp file
            }
        }
        for (String ns : ALL) {
            try {
                TwoHosts.run(List.of("ip", "netns", "del", ns));
            } catch (IOException ignored) {
                // not there
            }
        }
    }

    @Override
    public void close() {
        removeLeftovers();
        try {
            Runtime.getRuntime().removeShutdownHook(cleanupOnExit);
        } catch (IllegalStateException ignored) {
            // already shutting down
        }
    }

    /** A map for script environments. */
    static Map<String, String> env(String... kv) {
        java.util.HashMap<String, String> m = new java.util.HashMap<>();
        for (int i = 0; i + 1 < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }
}
