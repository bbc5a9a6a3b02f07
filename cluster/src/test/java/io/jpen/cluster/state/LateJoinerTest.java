package io.jpen.cluster.state;

import io.jpen.node.testing.IdentifyingBackend;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** A node that starts serving before its member has joined, and a node that joins late and gets everything. */
class LateJoinerTest {
    private static final Logger log = LoggerFactory.getLogger("jpen.test");
    private static final String A = "127.0.0.107";
    private static final String B = "127.0.0.108";

    @Test
    void nodeServesBeforeJoiningAndALateJoinerReceivesTableBlacklistAndSettings() throws Exception {
        String cluster = "late-" + UUID.randomUUID();
        List<String> members = List.of(A, B);
        try (IdentifyingBackend b0 = IdentifyingBackend.start("b0", "127.0.0.156");
             IdentifyingBackend b1 = IdentifyingBackend.start("b1", "127.0.0.157");
             IdentifyingBackend b2 = IdentifyingBackend.start("b2", "127.0.0.158");
             ClusterNode a = ClusterNode.start("a", A, cluster, members, b0.spec(), b1.spec(), b2.spec())) {

            assertThat(a.answer("127.0.7.99")).as("served at once").isNotNull();
            assertThat(a.control("cluster")).as("while the member is still starting")
                    .contains(" state starting").contains("members 0: not joined yet");
            a.awaitMembers(1);

            a.control("prio");
            a.control("server 2 prio 0");
            a.control("server 0 prio 1");
            a.control("server 1 prio 2");
            assertThat(a.answer("127.0.7.1")).isEqualTo("b2");
            a.control("server 2 prio 9");
            assertThat(a.answer("127.0.7.3")).isEqualTo("b0");
            a.control("server 0 prio 3"); // new clients: b1
            a.control("server 2 blacklist 600");
            a.control("server 1 weight 7");

            long t0 = System.nanoTime();
            try (ClusterNode b = ClusterNode.start("b", B, cluster, members, b0.spec(), b1.spec(), b2.spec())) {
                b.awaitMembers(2);
                log.info("late joiner: joined and holds the cluster's state {} ms after its start (member up in {} ms,"
                                + " state loaded in {} ms)", (System.nanoTime() - t0) / 1_000_000,
                        b.extension.member().joinMillis(), b.extension.applier().lastResyncMillis());

                assertThat(b.sharedServers()).as("settings").isEqualTo(a.sharedServers()).contains(" weight 7 ");
                assertThat(b.control("mode")).isEqualTo(a.control("mode"));
                assertThat(b.answer("127.0.7.2")).as("a new client, with the shared settings").isEqualTo("b1");
                assertThat(b.answer("127.0.7.3")).as("a known client returns to its server").isEqualTo("b0");
                assertThat(b.answer("127.0.7.1")).as("its server is blacklisted: failover in index order")
                        .isEqualTo("b0");
                assertThat(b2.connections()).as("b never tried the blacklisted b2").isEqualTo(1);
            }
        }
    }
}
