package io.jpen.cluster.state;

import io.jpen.node.affinity.ClientKey;
import io.jpen.node.affinity.ClientTable;
import io.jpen.node.affinity.LocalClientTable;
import io.jpen.node.config.ServerId;
import io.jpen.node.testing.FreePorts;
import io.jpen.node.testing.IdentifyingBackend;
import io.jpen.node.testing.InJvmNode;
import io.jpen.node.testing.TestClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Quick figures for the closing note, not a benchmark (that is bench/'s job): lookup latency, connection rate through
 * a node of a 2-node cluster against the same node alone, and how long a joining node takes to receive a table of
 * 10,000 clients. Everything runs in this JVM on a shared 2-core machine, so the ratio matters more than the rates.
 * Run with {@code mvn -q -B -o -pl cluster test -Dtest=ClusterFiguresTest -Djpen.figures=true}; results go to the
 * log ({@code target/surefire-reports/*-output.txt}, logger {@code jpen.figures}).
 */
@EnabledIfSystemProperty(named = "jpen.figures", matches = "true")
class ClusterFiguresTest {
    private static final Logger log = LoggerFactory.getLogger("jpen.figures");
    private static final String A = "127.0.0.121";
    private static final String B = "127.0.0.122";
    private static final int TABLE = 10_000;

    @Test
    void figures() throws Exception {
        String cluster = "figures-" + UUID.randomUUID();
        List<String> members = List.of(A, B);
        try (IdentifyingBackend b0 = IdentifyingBackend.start("b0", "127.0.0.161");
             IdentifyingBackend b1 = IdentifyingBackend.start("b1", "127.0.0.162")) {

            String standaloneHost = "127.0.0.123";
            try (InJvmNode alone = InJvmNode.start(List.of(standaloneHost + ":" + FreePorts.on(standaloneHost),
                    b0.spec(), b1.spec()), List.of());
                 ClusterNode a = ClusterNode.start("a", A, cluster, members, "-c20000", b0.spec(), b1.spec())
                         .awaitMembers(1);
                 ClusterNode b = ClusterNode.start("b", B, cluster, members, "-c20000", b0.spec(), b1.spec())
                         .awaitMembers(2)) {
                lookups("standalone", alone.node().clients());
                lookups("clustered", a.node.node().clients());
                for (int i = 0; i < 2; i++) { // warm-up
                    run(alone.address(), 2000);
                    run(a.node.address(), 2000);
                }
                int rounds = 5;
                long[] standalone = new long[rounds];
                long[] clustered = new long[rounds];
                Map<String, Long> cpu0 = cpuByThreadGroup();
                for (int i = 0; i < rounds; i++) { // alternate, so that load from elsewhere hits both alike
                    standalone[i] = connections("standalone", alone.address());
                    clustered[i] = connections("clustered", a.node.address());
                }
                Map<String, Long> cpu1 = cpuByThreadGroup();
                Arrays.sort(standalone);
                Arrays.sort(clustered);
                log.info("figures: connection rate, median of {} runs: standalone {}/s, clustered {}/s ({}%)", rounds,
                        standalone[rounds / 2], clustered[rounds / 2], clustered[rounds / 2] * 100 / standalone[rounds / 2]);
                StringBuilder cpu = new StringBuilder();
                cpu1.forEach((k, v) -> cpu.append(k).append('=').append((v - cpu0.getOrDefault(k, 0L)) / 1_000_000)
                        .append("ms "));
                log.info("figures: CPU time by thread group during the runs: {}", cpu);
                log.info("figures: cluster command after the runs:\n{}", a.control("cluster"));
                assertThat(b.control("cluster")).contains("members 2");
            }

            // a table of 10,000 clients, then a node joins
            String c2 = "figures2-" + UUID.randomUUID();
            try (ClusterNode a = ClusterNode.start("a", A, c2, members, "-c20000", b0.spec(), b1.spec())
                    .awaitMembers(1)) {
                ClientTable t = a.node.node().clients();
                ServerId s = new ServerId(b0.spec());
                long now = System.currentTimeMillis();
                for (int i = 0; i < TABLE; i++) {
                    t.assign(ClientKey.of(new byte[] {10, 9, (byte) (i >> 8), (byte) i}), s, now);
                }
                await().atMost(ClusterNode.WAIT).until(() -> a.sharedClients() == TABLE);
                long t0 = System.nanoTime();
                try (ClusterNode b = ClusterNode.start("b", B, c2, members, "-c20000", b0.spec(), b1.spec())
                        .awaitMembers(2)) {
                    long total = (System.nanoTime() - t0) / 1_000_000;
                    await().atMost(ClusterNode.WAIT).until(() -> b.node.node().clients().snapshot().size() >= TABLE);
                    long withEvents = (System.nanoTime() - t0) / 1_000_000;
                    log.info("figures: joining node with a table of {} clients: member up {} ms after start, state"
                                    + " loaded in {} ms, node synced {} ms after its start (all {} clients local after {} ms)",
                            TABLE, b.extension.member().joinMillis(), b.extension.applier().lastResyncMillis(), total,
                            TABLE, withEvents);
                }
            }
        }
    }

    /** CPU time (ns) of this JVM's threads, summed by the first word of their names. */
    private static Map<String, Long> cpuByThreadGroup() {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        Map<String, Long> out = new TreeMap<>();
        for (ThreadInfo ti : mx.getThreadInfo(mx.getAllThreadIds())) {
            if (ti == null) {
                continue;
            }
            long t = mx.getThreadCpuTime(ti.getThreadId());
            String n = ti.getThreadName();
            String group = n.startsWith("hz.") ? "hazelcast" : n.startsWith("jpen-cluster") ? "jpen-cluster"
                    : n.startsWith("jpen-io") ? "event-loops" : n.startsWith("backend-") ? "backends" : "other";
            out.merge(group, Math.max(0, t), Long::sum);
        }
        return out;
    }

    /** Local lookups as the data plane makes them (visit = lookup, stamp and, clustered, a queued refresh). */
    private static void lookups(String label, ClientTable t) {
        ClientKey[] keys = new ClientKey[1000];
        ServerId s = new ServerId("127.0.0.161:1");
        for (int i = 0; i < keys.length; i++) {
            keys[i] = ClientKey.of(new byte[] {10, 8, (byte) (i >> 8), (byte) i});
            t.assign(keys[i], s, System.currentTimeMillis());
        }
        for (int round = 0; round < 3; round++) { // warm-up, then measure
            long[] samples = new long[200_000];
            for (int i = 0; i < samples.length; i++) {
                long t0 = System.nanoTime();
                t.visit(keys[i % keys.length], System.currentTimeMillis());
                samples[i] = System.nanoTime() - t0;
            }
            if (round == 2) {
                Arrays.sort(samples);
                log.info("figures: {} lookup (ClientTable.visit): median {} ns, p99 {} ns, p99.9 {} ns ({})", label,
                        samples[samples.length / 2], samples[samples.length * 99 / 100],
                        samples[samples.length * 999 / 1000], t.getClass().getSimpleName()
                                + (t instanceof LocalClientTable ? "" : " over LocalClientTable"));
            }
        }
    }

    /** New connections per second for 5 s with 4 client threads (connect, read the backend's name, close). */
    private static long connections(String label, SocketAddress target) throws Exception {
        long[] r = run(target, 5000);
        log.info("figures: {} connection rate: {} connections/s ({} in {} ms, {} failed)", label,
                r[0] * 1000 / r[1], r[0], r[1], r[2]);
        return r[0] * 1000 / r[1];
    }

    private static long[] run(SocketAddress target, long millis) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        AtomicLong ok = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        long end = System.nanoTime() + millis * 1_000_000;
        long t0 = System.nanoTime();
        List<Future<?>> fs = new ArrayList<>();
        for (int th = 0; th < 4; th++) {
            int base = th;
            fs.add(pool.submit(() -> {
                int i = 0;
                while (System.nanoTime() < end) {
                    String src = "127.0.10." + (1 + (base * 50 + i++ % 50));
                    if (TestClient.whoAnswers(src, target, 2000) != null) {
                        ok.incrementAndGet();
                    } else {
                        failed.incrementAndGet();
                    }
                }
            }));
        }
        for (Future<?> f : fs) {
            f.get();
        }
        pool.shutdown();
        return new long[] {ok.get(), (System.nanoTime() - t0) / 1_000_000, failed.get()};
    }
}
