package io.jpen.it;

import io.jpen.node.control.ControlClient;
import io.jpen.node.testing.IdentifyingBackend;
import io.jpen.node.testing.JpenProcess;
import io.jpen.node.testing.TestClient;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Separate jpen processes started through the real launcher ({@code ./jpen}; needs the distribution, which Maven
 * builds before this module, or {@code mvn -q -B package -DskipTests} at the root when run alone). Node A serves
 * the clients; node B is frozen (SIGSTOP: a hung host, no FIN, no RST) while A goes on serving, comes back as the
 * other half of a split cluster and merges; then B is killed with SIGKILL and a new node C, which never saw any
 * of it, sends every client to the server it had.
 */
class ClusterProcessTest {
    private static final Logger log = LoggerFactory.getLogger("jpen.test");
    private static final String A = "127.0.0.131";
    private static final String B = "127.0.0.132";
    private static final String C = "127.0.0.133";
    private static final int LISTEN = 15801;
    private static final int CONTROL = 15802;
    private static final int HZ = 15703;
    private static final Duration START = Duration.ofSeconds(60);
    private static final int CLIENTS = 30;

    @Test
    void frozenPeerNeitherStallsTheOtherNorLosesStateAndAKilledOneLosesNoEntry() throws Exception {
        // in test-cluster, which Maven builds after deploy: in the cluster module this was skipped by every `mvn verify`
        assertThat(JpenProcess.distributionBuilt()).as("deploy/target/jpen/lib (mvn package)").isTrue();
        String cluster = "proc-" + UUID.randomUUID();
        try (IdentifyingBackend b0 = IdentifyingBackend.start("b0", "127.0.0.171");
             IdentifyingBackend b1 = IdentifyingBackend.start("b1", "127.0.0.172");
             JpenProcess a = node("a", A, cluster, b0, b1)) {
            a.awaitOutput("loaded the shared state", START);
            Map<String, String> served = new LinkedHashMap<>();
            try (JpenProcess b = node("b", B, cluster, b0, b1)) {
                b.awaitOutput("loaded the shared state", START);
                await().atMost(START).until(() -> control(A, "cluster").contains("members 2:"));

                for (int i = 1; i <= CLIENTS; i++) {
                    served.put("127.0.11." + i, answer(A, "127.0.11." + i));
                }
                assertThat(served.values()).contains("b0", "b1").doesNotContainNull();
                await().atMost(START).until(() -> control(B, "cluster").contains("clients " + CLIENTS + " here, "
                        + CLIENTS + " shared"));

                // B hangs: A must go on at full speed, with its own state
                b.signal("STOP");
                long slowest = 0;
                List<String> during = new ArrayList<>();
                for (int i = 1; i <= 20; i++) {
                    String known = "127.0.11." + i;
                    String fresh = "127.0.12." + i;
                    long t0 = System.nanoTime();
                    assertThat(answer(A, known)).isEqualTo(served.get(known));
                    String got = answer(A, fresh);
                    slowest = Math.max(slowest, (System.nanoTime() - t0) / 2_000_000);
                    assertThat(got).isNotNull();
                    served.put(fresh, got);
                    during.add(fresh);
                }
                log.info("process test: slowest connection through A while B was frozen: {} ms", slowest);
                assertThat(slowest).as("ms per connection while the peer hangs").isLessThan(1000);
                await().atMost(START).until(() -> control(A, "cluster").contains("members 1:"));

                // B wakes up alone (it missed A's heartbeats): two halves, which merge back
                long t0 = System.nanoTime();
                b.signal("CONT");
                await().atMost(Duration.ofSeconds(90)).until(() -> control(B, "cluster").contains("members 2:")
                        && control(A, "cluster").contains("members 2:"));
                String last = during.get(during.size() - 1);
                await().atMost(START).until(() -> control(B, "recent").contains(last + " connects"));
                log.info("process test: B back in the cluster with A's new clients {} ms after SIGCONT",
                        (System.nanoTime() - t0) / 1_000_000);
                for (String client : during) {
                    assertThat(answer(B, client)).as(client + " through B after the merge").isEqualTo(served.get(client));
                }
                String afterMerge = "127.0.13.1";
                served.put(afterMerge, answer(A, afterMerge));
                await("changes flow again after the merge").atMost(START)
                        .until(() -> control(B, "recent").contains(afterMerge + " connects"));

                log.info("process test: b's cluster log:\n{}", String.join("\n", b.output().lines()
                        .filter(l -> l.contains("cluster[b]")).toList()));
                b.signal("KILL");
                await().atMost(START).until(() -> control(A, "cluster").contains("members 1:"));
            }
            assertThat(answer(A, "127.0.11.1")).isEqualTo(served.get("127.0.11.1"));
            await().atMost(START).until(() -> control(A, "cluster").contains("partitions safe"));

            try (JpenProcess c = node("c", C, cluster, b0, b1)) {
                c.awaitOutput("loaded the shared state", START);
                assertThat(control(C, "cluster")).contains("clients " + served.size() + " here");
                for (Map.Entry<String, String> e : served.entrySet()) {
                    assertThat(answer(C, e.getKey())).as(e.getKey() + " through C").isEqualTo(e.getValue());
                }
            }
        }
    }

    private static JpenProcess node(String name, String host, String cluster, IdentifyingBackend... backends)
            throws Exception {
        List<String> args = new ArrayList<>(List.of("--node-name=" + name, "--cluster-name=" + cluster,
                "--cluster-members=" + String.join(",", A, B, C), "--cluster-bind=" + host, "--cluster-port=" + HZ,
                "--cluster-failure-timeout=3", "--cluster-merge-delay=3", "-C", host + ":" + CONTROL,
                host + ":" + LISTEN));
        for (IdentifyingBackend b : backends) {
            args.add(b.spec());
        }
        return JpenProcess.start(args);
    }

    private static String answer(String node, String client) {
        return TestClient.whoAnswers(client, new InetSocketAddress(node, LISTEN), 5000);
    }

    private static String control(String node, String command) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream ps = new PrintStream(buf, true, StandardCharsets.UTF_8);
        ControlClient.run(List.of(node + ":" + CONTROL, command), ps, ps);
        return buf.toString(StandardCharsets.UTF_8);
    }
}
