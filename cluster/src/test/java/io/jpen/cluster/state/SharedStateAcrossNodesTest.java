package io.jpen.cluster.state;

import io.jpen.node.config.ServerId;
import io.jpen.node.testing.FreePorts;
import io.jpen.node.testing.IdentifyingBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Two nodes, two real Hazelcast members in this JVM, backends that say who they are: what one node learns or is told
 * reaches the other. Each test starts from settings it sets itself and uses client addresses of its own.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SharedStateAcrossNodesTest {
    private static final String A = "127.0.0.101";
    private static final String B = "127.0.0.102";

    private final AtomicInteger nextClient = new AtomicInteger(1);
    private IdentifyingBackend b0;
    private IdentifyingBackend b1;
    private int b2Port;
    private ClusterNode a;
    private ClusterNode b;

    @BeforeAll
    void startCluster() throws Exception {
        b0 = IdentifyingBackend.start("b0", "127.0.0.151");
        b1 = IdentifyingBackend.start("b1", "127.0.0.152");
        b2Port = FreePorts.on("127.0.0.153"); // nothing listens there until a test starts it
        String cluster = "state-" + UUID.randomUUID();
        List<String> members = List.of(A, B);
        a = ClusterNode.start("a", A, cluster, members, b0.spec(), b1.spec()).awaitMembers(1);
        b = ClusterNode.start("b", B, cluster, members, b0.spec(), b1.spec()).awaitMembers(2);
        a.awaitMembers(2);
    }

    @AfterAll
    void stopCluster() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {b, a, b0, b1}) {
            if (c != null) {
                c.close();
            }
        }
    }

    /** A client address no other test uses. */
    private String freshClient() {
        return "127.0.5." + nextClient.getAndIncrement();
    }

    @Test
    @Order(1)
    void clientServedByOneNodeIsSentToTheSameBackendByTheOther() {
        a.control("no weight");
        a.control("prio");
        a.control("server 0 prio 0");
        a.control("server 1 prio 1");
        a.awaitSameSettings(b);
        String client = freshClient();
        assertThat(a.answer(client)).isEqualTo("b0");

        a.control("server 0 prio 5"); // from now on new clients go to b1...
        a.awaitSameSettings(b);
        assertThat(b.answer(freshClient())).isEqualTo("b1");
        b.awaitKnows(client);
        assertThat(b.answer(client)).as("...but a known client returns to its server").isEqualTo("b0");
    }

    @Test
    @Order(2)
    void blacklistMadeOnOneNodeIsHonouredByTheOther() {
        a.control("no weight");
        a.control("prio");
        a.control("server 0 prio 0");
        a.control("server 1 prio 1");
        a.awaitSameSettings(b);
        assertThat(b.answer(freshClient())).isEqualTo("b0");

        a.control("server 0 blacklist 60");
        await().atMost(ClusterNode.WAIT).untilAsserted(() -> assertThat(b.answer(freshClient())).isEqualTo("b1"));

        b.control("server 0 blacklist 0");
        await().atMost(ClusterNode.WAIT).untilAsserted(() -> assertThat(a.answer(freshClient())).isEqualTo("b0"));
    }

    @Test
    @Order(3)
    void weightChangeOnOneNodeChangesSelectionOnTheOther() {
        a.control("no prio");
        a.control("weight");
        a.control("server 0 weight 1");
        a.control("server 1 weight 1");
        a.awaitSameSettings(b);
        assertThat(a.answer(freshClient())).as("equal load and weight: the lower index").isEqualTo("b0");

        b.control("server 0 weight 0");
        await().atMost(ClusterNode.WAIT).untilAsserted(() -> assertThat(a.answer(freshClient())).isEqualTo("b1"));
        assertThat(a.sharedServers()).contains("0 addr 127.0.0.151 port " + b0.port() + " max 0 hard 0 weight 0");
    }

    @Test
    @Order(4)
    void aChangeIsPublishedOnceByTheNodeThatMadeIt() {
        b.control("server 1 weight 3");
        b.awaitSameSettings(a);
        await().atMost(ClusterNode.WAIT).untilAsserted(() -> {
            assertThat(a.control("cluster")).contains("settings from b@" + B + ":");
            assertThat(b.control("cluster")).contains("settings from b@" + B + ":");
        });
    }

    @Test
    @Order(5)
    void clusterCommandSaysWhichNodeAnswersAndListsTheMembers() {
        // "partitions safe" once every backup is in sync, which can take a moment after the last writes
        await().atMost(ClusterNode.WAIT).untilAsserted(() -> assertThat(b.control("cluster"))
                .startsWith("node b member " + B + ":" + ClusterNode.HZ_PORT + " cluster state-")
                .contains("service test state joined\n")
                .contains("members 2: " + A + ":" + ClusterNode.HZ_PORT)
                .contains(B + ":" + ClusterNode.HZ_PORT + " (this)")
                .contains("partitions safe\n")
                .containsPattern("updates queued \\d+/65536 written \\d+ dropped 0 failed 0"));
        assertThat(a.control("servers")).as("Pen's replies stay as they are").doesNotContain("node");
    }

    @Test
    @Order(6)
    void memberPortListensOnTheClusterAddressOnly() throws Exception {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(A, ClusterNode.HZ_PORT), 2000);
        }
        assertThatThrownBy(() -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", ClusterNode.HZ_PORT), 2000);
            }
        }).as("no wildcard bind").isInstanceOf(ConnectException.class);
    }

    @Test
    @Order(7)
    void connectFailureOnOneNodeBlacklistsTheServerForBoth() throws Exception {
        a.control("no weight");
        a.control("prio");
        a.control("server 0 prio 1");
        a.control("server 1 prio 2");
        a.control("server 2 address 127.0.0.153 port " + b2Port + " prio 0"); // preferred, and down
        a.awaitSameSettings(b);

        long checked = b.extension.stats().reportsChecked.sum();
        assertThat(a.answer(freshClient())).as("b2 refuses: failover to the next slot").isEqualTo("b0");
        ServerId b2Id = new ServerId("127.0.0.153:" + b2Port);
        await().atMost(ClusterNode.WAIT).until(() -> b.node.node().health().status(b2Id) != 0);
        // b has checked a's report with a connect of its own, refused too: the blacklisting stands on b
        await().atMost(ClusterNode.WAIT).until(() -> b.extension.stats().reportsChecked.sum() > checked);
        assertThat(b.node.node().health().status(b2Id)).isNotZero();
        try (IdentifyingBackend b2 = IdentifyingBackend.start("b2", "127.0.0.153", b2Port)) {
            // b2 is up now, and preferred: only the blacklisting made on a keeps b away from it
            assertThat(b.answer(freshClient())).isEqualTo("b0");
            assertThat(b2.connections()).isZero();
        }
    }

    @Test
    @Order(8)
    void aPeersConnectFailureIsLiftedWhereTheServerCanBeReached() {
        a.control("no weight");
        a.control("prio");
        a.control("server 0 prio 0"); // preferred
        a.control("server 1 prio 1");
        a.control("server 2 prio 2"); // b2 is down again: last
        a.awaitSameSettings(b);
        ServerId b0Id = new ServerId(b0.spec());
        long lifted = a.extension.stats().reportsLifted.sum();
        // what a node cut off from the backends publishes when its link comes back: b0 "timed out" just now
        b.extension.maps().health().put(b0Id.value(),
                new SharedValues.HealthEntry(System.currentTimeMillis(), "cut-off@10.9.9.9", "connect timeout").encode());
        // a applies it, connects to b0 itself, and lifts it on this node; the shared entry stays the reporter's
        await().atMost(ClusterNode.WAIT).until(() -> a.extension.stats().reportsLifted.sum() > lifted);
        assertThat(a.node.node().health().status(b0Id)).isZero();
        assertThat(a.answer(freshClient())).as("b0, preferred, still served from a").isEqualTo("b0");
        assertThat(a.control("cluster")).contains("lifted " + (lifted + 1));
        assertThat(b.extension.maps().health().get(b0Id.value())).contains("cut-off@10.9.9.9");
    }
}
