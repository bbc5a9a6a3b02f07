package io.jpen.cluster.state;

import io.jpen.node.testing.IdentifyingBackend;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Three nodes; one node's Hazelcast member crashes (terminated without handing anything over, as a killed process
 * would): no shared entry is lost, every node keeps balancing meanwhile, the crashed member comes back by itself, and
 * a node joining afterwards still sends every client to its server.
 */
class MemberCrashTest {
    private static final String A = "127.0.0.111";
    private static final String B = "127.0.0.112";
    private static final String C = "127.0.0.113";
    private static final String D = "127.0.0.114";
    private static final int CLIENTS = 40;

    @Test
    void crashedMemberLosesNoEntryAndNoNodeStopsBalancing() throws Exception {
        String cluster = "crash-" + UUID.randomUUID();
        List<String> members = List.of(A, B, C, D);
        try (IdentifyingBackend b0 = IdentifyingBackend.start("b0", "127.0.0.159");
             IdentifyingBackend b1 = IdentifyingBackend.start("b1", "127.0.0.160");
             ClusterNode a = ClusterNode.start("a", A, cluster, members, b0.spec(), b1.spec()).awaitMembers(1);
             ClusterNode b = ClusterNode.start("b", B, cluster, members, b0.spec(), b1.spec()).awaitMembers(2);
             ClusterNode c = ClusterNode.start("c", C, cluster, members, b0.spec(), b1.spec()).awaitMembers(3)) {

            Map<String, String> served = new HashMap<>();
            List<String> clients = new ArrayList<>();
            for (int i = 1; i <= CLIENTS; i++) {
                String client = "127.0.8." + i;
                clients.add(client);
                served.put(client, a.answer(client)); // round robin: half on b0, half on b1
            }
            assertThat(served.values()).contains("b0", "b1").doesNotContainNull();
            await().atMost(ClusterNode.WAIT).until(() -> c.sharedClients() == CLIENTS);
            await().atMost(ClusterNode.WAIT).until(() -> c.extension.hazelcast().getPartitionService().isClusterSafe());

            b.extension.hazelcast().getLifecycleService().terminate(); // b's member dies; b's node lives on

            int fresh = 1;
            for (ClusterNode n : List.of(a, b, c)) {
                assertThat(n.answer(clients.get(0))).as(n.name + " keeps balancing").isEqualTo(served.get(clients.get(0)));
                assertThat(n.answer("127.0.9." + fresh++)).as(n.name + " takes new clients").isNotNull();
            }
            await().atMost(ClusterNode.WAIT).untilAsserted(() -> assertThat(a.control("cluster"))
                    .contains("partitions safe").contains("clients " + (CLIENTS + 3) + " here"));
            await().atMost(ClusterNode.WAIT).until(() -> a.sharedClients() == CLIENTS + 3);
            b.awaitMembers(3); // it restarted its member and rejoined

            try (ClusterNode d = ClusterNode.start("d", D, cluster, members, b0.spec(), b1.spec()).awaitMembers(4)) {
                assertThat(d.control("cluster")).contains("clients " + (CLIENTS + 3) + " here");
                for (String client : clients) {
                    assertThat(d.answer(client)).as(client).isEqualTo(served.get(client));
                }
            }
        }
    }
}
