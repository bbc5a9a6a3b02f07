package io.jpen.vipscripts;

import java.io.IOException;
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
 * Two network namespaces joined by a veth pair, as two hosts on one segment: {@code jpl-vs1} (the VIP holder,
 * 10.78.50.1/24) and {@code jpl-vs2} (a neighbour, 10.78.50.2/24). Nothing else is touched; {@link #close()} removes
 * both namespaces (and with them the veth pair), also when left over from an interrupted run.
 */
final class TwoHosts implements AutoCloseable {
    static final String HOLDER = "jpl-vs1";
    static final String PEER = "jpl-vs2";
    private Thread cleanupOnExit;

    /** Why these tests cannot run here, or null if they can (root, ip netns, arping, tcpdump). */
    static String unavailable() {
        try {
            if (!run(List.of("id", "-u")).output().trim().equals("0")) {
                return "not root (network namespaces need CAP_SYS_ADMIN and CAP_NET_ADMIN)";
            }
            for (String tool : List.of("ip", "tcpdump", "arping")) {
                if (run(List.of("sh", "-c", "command -v " + tool)).status() != 0) {
                    return "no " + tool + " installed";
                }
            }
            return null;
        } catch (IOException e) {
            return e.toString();
        }
    }

    TwoHosts() throws IOException {
        removeLeftovers();
        cleanupOnExit = new Thread(this::removeLeftovers, "jpl-vs-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanupOnExit);
        must("ip", "netns", "add", HOLDER);
        must("ip", "netns", "add", PEER);
        must("ip", "-n", HOLDER, "link", "add", "eth0", "type", "veth", "peer", "name", "eth0", "netns", PEER);
        for (String ns : List.of(HOLDER, PEER)) {
            must("ip", "-n", ns, "link", "set", "lo", "up");
            must("ip", "-n", ns, "link", "set", "eth0", "up");
        }
        must("ip", "-n", HOLDER, "addr", "add", "10.78.50.1/24", "dev", "eth0");
        must("ip", "-n", PEER, "addr", "add", "10.78.50.2/24", "dev", "eth0");
    }

    /** The MAC address of {@code eth0} in {@code ns}. */
    String mac(String ns) throws IOException {
        return run(List.of("ip", "netns", "exec", ns, "cat", "/sys/class/net/eth0/address")).output().trim();
    }

    /** {@code ip -o -4 addr show dev eth0} in {@code ns}, one line per address. */
    List<String> addresses(String ns) throws IOException {
        return run(List.of("ip", "-n", ns, "-o", "-4", "addr", "show", "dev", "eth0")).output().lines().toList();
    }

    /** The link-layer address {@code ns} has for {@code ip}, or "" if none. */
    String neighbour(String ns, String ip) throws IOException {
        String out = run(List.of("ip", "-n", ns, "neigh", "show", "to", ip, "dev", "eth0")).output();
        int i = out.indexOf("lladdr ");
        return i < 0 ? "" : out.substring(i + 7).split("\\s+")[0];
    }

    /** Runs a vip script inside {@code ns} with extra environment. */
    static Result script(String ns, Map<String, String> env, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        cmd.add(Path.of(args[0]).toAbsolutePath().toString());
        cmd.addAll(List.of(args).subList(1, args.length));
        return run(cmd, env);
    }

    /** A packet capture of ARP on the peer's eth0, running until closed. */
    Capture captureArp() throws IOException {
        return new Capture();
    }

    final class Capture implements AutoCloseable {
        private final Process p;
        private final Path out;
        private final Path err;

        Capture() throws IOException {
            out = Files.createTempFile("jpl-arp-", ".txt");
            err = Files.createTempFile("jpl-arp-", ".err");
            p = new ProcessBuilder("ip", "netns", "exec", PEER, "tcpdump", "-i", "eth0", "-n", "-l", "-tt", "arp")
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            await().atMost(Duration.ofSeconds(10)).until(() -> Files.readString(err).contains("listening on"));
        }

        /** The captured gratuitous ARPs for {@code ip} (requests for it, from it). */
        long garps(String ip) throws IOException {
            return Files.readAllLines(out).stream()
                    .filter(l -> l.contains("who-has " + ip + " ") && l.contains("tell " + ip)).count();
        }

        @Override
        public void close() throws IOException {
            p.destroy();
            try {
                p.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    record Result(int status, String output) {
    }

    static Result run(List<String> cmd) throws IOException {
        return run(cmd, Map.of());
    }

    static Result run(List<String> cmd, Map<String, String> env) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("timed out: " + cmd);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        return new Result(p.exitValue(), out);
    }

    private static void must(String... cmd) throws IOException {
        Result r = run(List.of(cmd));
        if (r.status() != 0) {
            throw new IOException(String.join(" ", cmd) + ": " + r.output());
        }
    }

    private void removeLeftovers() {
        for (String ns : List.of(HOLDER, PEER)) {
            try {
                run(List.of("ip", "netns", "del", ns));
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
}
