package io.jpen.cluster.leader;

import io.jpen.node.control.ControlClient;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * A small network of namespaces for a real pair of nodes: {@code jph-esw} holds the bridge {@code jphbr1}; on it
 * {@code jph-n1} (10.77.50.11) and {@code jph-n2} (10.77.50.12) run nodes ({@link LeaderNodeMain}, the real
 * vip-scripts of this source tree), {@code jph-b1}/{@code jph-b2} (.21/.22) run backends that name themselves, and
 * {@code jph-ec} (.10) the client. The programs in the namespaces are the vip-scripts module's {@code NetProbe},
 * started from its source file. {@link #close()} stops every process started here (by PID) and removes the
 * namespaces, with everything the scripts changed in them; also those left over from an interrupted run.
 */
final class HandoverLab implements AutoCloseable {
    static final String VIP = "10.77.50.100";
    static final int PORT = 8080;
    static final Path REPO = Path.of("").toAbsolutePath().getParent();
    static final Path SCRIPTS = REPO.resolve("vip-scripts");
    static final Path PROBE = SCRIPTS.resolve("src/test/java/io/jpen/vipscripts/NetProbe.java");
    private static final String SWITCH = "jph-esw";
    private static final List<String[]> HOSTS = List.of(new String[] {"jph-n1", "10.77.50.11"},
            new String[] {"jph-n2", "10.77.50.12"}, new String[] {"jph-b1", "10.77.50.21"},
            new String[] {"jph-b2", "10.77.50.22"}, new String[] {"jph-ec", "10.77.50.10"});

    private final Path dir;
    private final List<Process> processes = new ArrayList<>();
    private final List<Proc> nodes = new ArrayList<>();
    private final Thread cleanupOnExit;

    /** Why this cannot run here, or null if it can. */
    static String unavailable() {
        try {
            if (!run("id", "-u").trim().equals("0")) {
                return "not root (network namespaces need CAP_SYS_ADMIN and CAP_NET_ADMIN)";
            }
            for (String tool : List.of("ip", "nft", "arping")) {
                if (status("sh", "-c", "command -v " + tool) != 0) {
                    return "no " + tool + " installed";
                }
            }
            if (!Files.isRegularFile(PROBE) || !Files.isRegularFile(SCRIPTS.resolve("vip-handover-forward"))) {
                return "no vip-scripts directory at " + SCRIPTS;
            }
            return null;
        } catch (IOException e) {
            return e.toString();
        }
    }

    HandoverLab(Path dir) throws IOException {
        this.dir = dir;
        removeNamespaces();
        cleanupOnExit = new Thread(this::close, "jph-e-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanupOnExit);
        must("ip", "netns", "add", SWITCH);
        must("ip", "-n", SWITCH, "link", "add", "jphbr1", "type", "bridge");
        must("ip", "-n", SWITCH, "link", "set", "jphbr1", "up");
        for (String[] h : HOSTS) {
            String ns = h[0];
            String port = "p" + ns.substring(4);
            must("ip", "netns", "add", ns);
            must("ip", "-n", ns, "link", "add", "eth0", "type", "veth", "peer", "name", port, "netns", SWITCH);
            must("ip", "-n", SWITCH, "link", "set", port, "master", "jphbr1", "up");
            must("ip", "-n", ns, "link", "set", "lo", "up");
            must("ip", "-n", ns, "link", "set", "eth0", "up");
            must("ip", "-n", ns, "addr", "add", h[1] + "/24", "dev", "eth0");
        }
    }

    /** A process in namespace {@code ns}, its output in a file. */
    final class Proc {
        final String name;
        final Process process;
        final Path out;

        Proc(String name, Process process, Path out) {
            this.name = name;
            this.process = process;
            this.out = out;
        }

        List<String> lines() {
            try {
                return Files.readAllLines(out, StandardCharsets.UTF_8);
            } catch (IOException e) {
                return List.of();
            }
        }

        String output() {
            return String.join("\n", lines());
        }

        void awaitLine(String prefix, Duration atMost) {
            await().atMost(atMost).until(() -> {
                if (!process.isAlive()) {
                    throw new IllegalStateException(name + " exited:\n" + output());
                }
                return lines().stream().anyMatch(l -> l.startsWith(prefix));
            });
        }

        /** Tells a client probe to stop; returns its output once it has exited. */
        List<String> stop() throws IOException, InterruptedException {
            OutputStream in = process.getOutputStream();
            in.write("stop\n".getBytes(StandardCharsets.US_ASCII));
            in.flush();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                throw new IOException(name + " did not stop:\n" + output());
            }
            return lines();
        }

        /** A control command over the node's Unix control socket (reachable from outside its namespace). */
        String ctl(String... command) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            List<String> args = new ArrayList<>(List.of(dir.resolve(name + ".ctl").toString()));
            args.addAll(List.of(command));
            ControlClient.run(args, new PrintStream(b, true), new PrintStream(new ByteArrayOutputStream()));
            return b.toString(StandardCharsets.ISO_8859_1);
        }

        String state() {
            return ctl("vip", "state").lines().filter(l -> l.startsWith("VI_1 ")).map(l -> l.split(" ")[1])
                    .findFirst().orElse("-");
        }
    }

    private Proc start(String name, String ns, List<String> cmd) throws IOException {
        Path out = dir.resolve(name + ".out");
        List<String> c = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        c.addAll(cmd);
        Process p = new ProcessBuilder(c).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        processes.add(p);
        return new Proc(name, p, out);
    }

    private static String java() {
        return ProcessHandle.current().info().command().orElse("java");
    }

    /** {@code NetProbe serve PORT NAME} in jph-NAME (b1, b2). */
    Proc backend(String name) throws IOException {
        return start(name, "jph-" + name, List.of(java(), "-Xmx32m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                PROBE.toString(), "serve", Integer.toString(PORT), name));
    }

    /** {@code NetProbe client VIP PORT STREAMS INTERVAL_MS IDLE} in jph-ec. */
    Proc client(int streams, int intervalMs, int idle) throws IOException {
        return start("client", "jph-ec", List.of(java(), "-Xmx48m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                PROBE.toString(), "client", VIP, Integer.toString(PORT), Integer.toString(streams),
                Integer.toString(intervalMs), Integer.toString(idle)));
    }

    /** A node (n1, n2) in jph-NAME: the listener on the VIP, both backends, the VIP on eth0, real scripts. */
    Proc node(String name, String... extra) throws IOException {
        String ip = name.equals("n1") ? "10.77.50.11" : "10.77.50.12";
        List<String> cmd = new ArrayList<>(List.of(java(), "-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), LeaderNodeMain.class.getName(),
                "--node-name=" + name,
                "--vip-address=VI_1=" + VIP + "/24@eth0",
                "--vip-scripts-dir=" + SCRIPTS,
                "--vip-garp-repeat=3",
                "--cluster-name=jph",
                "--cluster-members=10.77.50.11,10.77.50.12",
                "--cluster-bind=" + ip,
                // this test is about handover, not detection speed: timings that a loaded 2-core machine keeps
                "--jgroups-fd-timeout=1s", "--jgroups-fd-interval=200ms", "--jgroups-verify-timeout=250ms"));
        cmd.addAll(List.of(extra));
        cmd.addAll(List.of("-C", dir.resolve(name + ".ctl").toString(), VIP + ":" + PORT,
                "10.77.50.21:" + PORT, "10.77.50.22:" + PORT));
        Proc p = start(name, "jph-" + name, cmd);
        nodes.add(p);
        p.awaitLine("STARTED", Duration.ofSeconds(60));
        return p;
    }

    /** Runs a command inside {@code ns}; its output. */
    static String in(String ns, String... cmd) throws IOException {
        List<String> c = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        c.addAll(List.of(cmd));
        return run(c.toArray(String[]::new));
    }

    /** What the handover scripts may change in {@code ns}, as one string to compare. */
    static String footprint(String ns) throws IOException {
        StringBuilder b = new StringBuilder();
        b.append(run("ip", "-n", ns, "rule", "show"));
        b.append(run("ip", "-n", ns, "-4", "-o", "addr", "show", "dev", "lo").lines()
                .filter(l -> l.contains(VIP)).reduce("", (x, y) -> x + y + "\n"));
        b.append(in(ns, "nft", "list", "ruleset"));
        for (String k : List.of("conf/eth0/forwarding", "conf/eth0/rp_filter", "conf/eth0/arp_ignore",
                "conf/eth0/arp_announce", "ip_forward")) {
            b.append(k).append('=').append(in(ns, "cat", "/proc/sys/net/ipv4/" + k).trim()).append('\n');
        }
        return b.toString();
    }

    static String run(String... cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("timed out: " + String.join(" ", cmd));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        return out;
    }

    private static int status(String... cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        try {
            return p.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    private static void must(String... cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (p.waitFor() != 0) {
                throw new IOException(String.join(" ", cmd) + ": " + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    private static void removeNamespaces() {
        List<String> all = new ArrayList<>(List.of(SWITCH));
        HOSTS.forEach(h -> all.add(h[0]));
        for (String ns : all) {
            try {
                status("ip", "netns", "del", ns);
            } catch (IOException ignored) {
                // not there
            }
        }
    }

    /** The nodes' output, for the test report. */
    String nodeOutputs() {
        StringBuilder b = new StringBuilder();
        for (Proc n : nodes) {
            b.append("---- ").append(n.name).append('\n').append(n.output()).append('\n');
        }
        return b.toString();
    }

    @Override
    public synchronized void close() {
        for (Process p : processes) {
            p.destroyForcibly();
        }
        for (Process p : processes) {
            try {
                p.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        processes.clear();
        removeNamespaces();
        try {
            Runtime.getRuntime().removeShutdownHook(cleanupOnExit);
        } catch (IllegalStateException ignored) {
            // already shutting down (this is the hook)
        }
    }
}
