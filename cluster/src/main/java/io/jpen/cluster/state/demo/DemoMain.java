package io.jpen.cluster.state.demo;

import io.jpen.node.control.ControlClient;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code ./jpen demo}: the loopback pair of {@code deploy/examples/loopback-pair} in one go. Starts three backends
 * that say who they are (127.0.0.21-23:9000) in this process, then node 1 and, once its cluster member is up, node 2
 * (never both at the same instant: two members starting together can take half a minute to find each other), each
 * as a separate process through the same {@code jpen} launcher, and prints what to try. Ctrl-C stops everything it
 * started (SIGTERM to the two nodes, by their process handles).
 *
 * <p>Arguments: the directory holding the {@code jpen} launcher (the launcher passes it).
 */
public final class DemoMain {
    private static final String[] BACKENDS = {"127.0.0.21", "127.0.0.22", "127.0.0.23"};
    private static final long START_TIMEOUT_MILLIS = 90_000;

    private DemoMain() {
    }

    public static void main(String[] args) throws Exception {
        Path root = Path.of(args.length > 0 ? args[0] : ".").toAbsolutePath().normalize();
        Path launcher = root.resolve("jpen");
        Path examples = root.resolve("deploy/examples/loopback-pair");
        if (!Files.isDirectory(examples)) {
            examples = root.resolve("examples/loopback-pair");
        }
        if (!Files.isRegularFile(examples.resolve("node1.conf"))) {
            fail("no loopback-pair example found under " + root);
        }
        checkLoopback();
        List<DemoBackend> backends = new ArrayList<>();
        for (String host : BACKENDS) {
            try {
                backends.add(DemoBackend.start(host, 9000));
            } catch (IOException e) {
                fail("cannot listen on " + host + ":9000 (" + e.getMessage() + "): is something else running there?");
            }
        }
        say("backends up: " + String.join(", ", backends.stream().map(DemoBackend::name).toList()));

        List<Process> nodes = new ArrayList<>();
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stopAll(nodes, backends);
            stop.countDown();
        }, "demo-stop"));

        nodes.add(startNode(launcher, examples, 1));
        awaitControl(1, "state joined");
        nodes.add(startNode(launcher, examples, 2));
        awaitControl(2, "members 2:");
        awaitControl(1, "members 2:");
        banner();
        stop.await();
    }

    private static Process startNode(Path launcher, Path examples, int n) throws IOException {
        List<String> cmd = command(launcher, examples, n);
        say("starting node " + n + ": " + String.join(" ", cmd));
        return new ProcessBuilder(cmd).inheritIO().start();
    }

    private static List<String> command(Path launcher, Path examples, int n) {
        // the example file sets listener, control port and node name: exactly what an operator types
        return List.of(launcher.toString(), "-F", examples.resolve("node" + n + ".conf").toString());
    }

    /** Waits until node {@code n}'s {@code cluster} reply contains {@code text}. */
    private static void awaitControl(int n, String text) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_TIMEOUT_MILLIS);
        while (System.nanoTime() < end) {
            if (control(n, "cluster").contains(text)) {
                return;
            }
            Thread.sleep(200); // polling another process from a main method, not a test
        }
        fail("node " + n + " did not report '" + text + "' within " + START_TIMEOUT_MILLIS / 1000 + " s");
    }

    private static String control(int n, String command) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream ps = new PrintStream(buf, true, StandardCharsets.UTF_8);
        ControlClient.run(List.of("127.0.0.1" + n + ":8888", command), ps, ps);
        return buf.toString(StandardCharsets.UTF_8);
    }

    private static void banner() {
        String text = """

                ======================================================================================
                 jpen demo: two nodes sharing one client table, blacklist and settings
                   node 1: clients 127.0.0.11:8080   control 127.0.0.11:8888
                   node 2: clients 127.0.0.12:8080   control 127.0.0.12:8888
                   backends: 127.0.0.21:9000 127.0.0.22:9000 127.0.0.23:9000

                 Try, in another terminal (from the repository root):
                   curl -s --interface 127.0.0.5 http://127.0.0.11:8080/    # which backend answers
                   curl -s --interface 127.0.0.5 http://127.0.0.12:8080/    # node 2: the same backend
                   curl -s --interface 127.0.0.6 http://127.0.0.12:8080/    # another client: the next one
                   ./jpen ctl 127.0.0.12:8888 recent                        # both clients, on either node
                   ./jpen ctl 127.0.0.11:8888 cluster                       # members, partitions, replication
                   ./jpen ctl 127.0.0.11:8888 server 0 weight 5             # then 'servers' on node 2
                   ./jpen ctl 127.0.0.12:8888 server 1 blacklist 60         # node 1 avoids it too
                   kill -9 <pid of node 1>  (./jpen ctl 127.0.0.11:8888 pid) # node 2 goes on alone
                 Restart a node with the command printed above. Ctrl-C here stops everything.
                ======================================================================================
                """;
        System.out.println(text);
    }

    private static void checkLoopback() {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.11"), 0));
        } catch (IOException e) {
            fail("this demo needs the loopback addresses 127.0.0.11, .12 and .21-.23 (Linux has all of 127.0.0.0/8;"
                    + " elsewhere add them as aliases of lo): " + e.getMessage());
        }
    }

    private static void stopAll(List<Process> nodes, List<DemoBackend> backends) {
        for (Process p : nodes) {
            p.destroy(); // SIGTERM: the node stops cleanly
        }
        for (Process p : nodes) {
            try {
                if (!p.waitFor(20, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (DemoBackend b : backends) {
            try {
                b.close();
            } catch (IOException e) {
                // stopping anyway
            }
        }
    }

    private static void say(String s) {
        System.out.println("demo: " + s);
    }

    private static void fail(String s) {
        System.err.println("jpen demo: " + s);
        System.exit(1);
    }
}
