package io.jpen.cluster.state;

import io.jpen.node.testing.IdentifyingBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Pen's {@code -c} (LRU bound) and {@code -T} (tracking time) hold for the cluster as a whole: a client pushed out
 * by newer clients on one node is forgotten by every node, and a client's last visit to any node counts for all.
 * Both nodes run with {@code -c 2}. New clients go to b1 once a test has made b0 the less preferred server, so the
 * answer tells a remembered client (b0) from a forgotten one (b1).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TableLimitsAcrossNodesTest {
    private static final String A = "127.0.0.104";
    private static final String B = "127.0.0.105";

    private IdentifyingBackend b0;
    private IdentifyingBackend b1;
    private ClusterNode a;
    private ClusterNode b;

    @BeforeAll
    void startCluster() throws Exception {
        b0 = IdentifyingBackend.start("b0", "127.0.0.154");
        b1 = IdentifyingBackend.start("b1", "127.0.0.155");
        String cluster = "limits-" + UUID.randomUUID();
        List<String> members = List.of(A, B);
        a = ClusterNode.start("a", A, cluster, members, "-c2", b0.spec(), b1.spec()).awaitMembers(1);
        b = ClusterNode.start("b", B, cluster, members, "-c2", b0.spec(), b1.spec()).awaitMembers(2);
    }

    @AfterAll
    void stopCluster() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {b, a, b0, b1}) {
            if (c != null) {
                c.close();
            }
        }
    }

    /** New clients go to b0 (prio 0), b1 is second choice; the table remembers clients for {@code tracking} s. */
    private void preferB0(int tracking) {
        a.control("tracking " + tracking);
        a.control("prio");
        a.control("server 0 prio 0");
        a.control("server 1 prio 1");
        a.awaitSameSettings(b);
        await().atMost(ClusterNode.WAIT).until(() -> b.control("tracking").equals(tracking + "\n"));
    }

    private void preferB1() {
        a.control("server 0 prio 5");
        a.awaitSameSettings(b);
    }

    @Test
    @Order(1)
    void clientPushedOutOfTheTableByANewClientOnOneNodeIsForgottenByBoth() {
        preferB0(0);
        String c1 = "127.0.6.1";
        String c2 = "127.0.6.2";
        String c3 = "127.0.6.3";
        assertThat(a.answer(c1)).isEqualTo("b0");
        b.awaitKnows(c1); // events for different clients may overtake each other: order them (Pen: 1 s resolution)
        assertThat(a.answer(c2)).isEqualTo("b0");
        b.awaitKnows(c2);
        assertThat(b.answer(c3)).as("a third client on b: c1 is the least recent of 2").isEqualTo("b0");
        a.awaitKnows(c3);
        assertThat(a.control("recent")).doesNotContain(c1 + " ");
        assertThat(b.control("recent")).doesNotContain(c1 + " ");

        preferB1();
        assertThat(a.answer(c3)).as("c3, placed by b, is remembered by a").isEqualTo("b0");
        assertThat(a.answer(c1)).as("c1 was forgotten: a new client now").isEqualTo("b1");
    }

    @Test
    @Order(2)
    void visitOnEitherNodeKeepsTheClientAndTrackingTimeForgetsItOnBoth() {
        preferB0(4);
        String c = "127.0.6.10";
        assertThat(a.answer(c)).isEqualTo("b0");
        preferB1();
        await().atMost(ClusterNode.WAIT).until(() -> !a.control("recent 1").contains(c + " "));

        assertThat(b.answer(c)).as("within 4 s: remembered on b too").isEqualTo("b0");
        await("b's visit refreshes a's last-seen time").atMost(ClusterNode.WAIT)
                .until(() -> a.control("recent 1").contains(c + " "));

        await().atMost(ClusterNode.WAIT).until(() -> !a.control("recent 4").contains(c + " "));
        assertThat(a.answer(c)).as("not seen for more than 4 s: forgotten").isEqualTo("b1");
        b.awaitKnows(c);
        await().atMost(ClusterNode.WAIT).untilAsserted(() -> assertThat(b.answer(c)).isEqualTo("b1"));
    }
}
