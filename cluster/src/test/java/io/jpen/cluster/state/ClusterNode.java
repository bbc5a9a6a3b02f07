package io.jpen.cluster.state;

import io.jpen.node.testing.FreePorts;
import io.jpen.node.testing.InJvmNode;
import io.jpen.node.testing.TestClient;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A real node with the shared-state extension and a real Hazelcast member, inside the test JVM. Each node listens on
 * its own 127.0.0.N address; members use {@code cluster_port} {@value #HZ_PORT} on their node's address.
 */
final class ClusterNode implements AutoCloseable {
    static final int HZ_PORT = 15701;
    static final Duration WAIT = Duration.ofSeconds(30);

    final String name;
    final String host;
    final InJvmNode node;
    final SharedStateExtension extension;

    private ClusterNode(String name, String host, InJvmNode node, SharedStateExtension extension) {
        this.name = name;
        this.host = host;
        this.node = node;
        this.extension = extension;
    }

    /**
     * Starts a node named {@code name} on {@code host} in cluster {@code cluster} of {@code members}.
     *
     * @param args further options (one word each: {@code -c2}), then the servers (the listen address is added here)
     */
    static ClusterNode start(String name, String host, String cluster, List<String> members, String... args)
            throws IOException {
        SharedStateExtension ext = new SharedStateExtension();
        List<String> argv = new ArrayList<>(List.of("--node-name=" + name, "--cluster-name=" + cluster,
                "--cluster-members=" + String.join(",", members), "--cluster-bind=" + host,
                "--cluster-port=" + HZ_PORT, "--cluster-service=test", "--cluster-failure-timeout=3"));
        int servers = 0;
        while (servers < args.length && args[servers].startsWith("-")) {
            servers++;
        }
        argv.addAll(Arrays.asList(args).subList(0, servers));
        argv.add(host + ":" + FreePorts.on(host));
        argv.addAll(Arrays.asList(args).subList(servers, args.length));
        return new ClusterNode(name, host, InJvmNode.start(argv, List.of(ext)), ext);
    }

    /** Which backend answers a client connecting from {@code clientHost} through this node (null: closed). */
    String answer(String clientHost) {
        return TestClient.whoAnswers(clientHost, node.address(), 5000);
    }

    String control(String command) {
        return node.control(command);
    }

    /** Waits until the member is up with {@code members} members and the node holds the cluster's state. */
    ClusterNode awaitMembers(int members) {
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(extension.synced()).as(name + " synced").isTrue();
            assertThat(extension.hazelcast().getCluster().getMembers()).as(name + " members").hasSize(members);
        });
        return this;
    }

    /** Waits until {@code recent} on this node lists {@code clientHost} (its assignment has arrived). */
    void awaitKnows(String clientHost) {
        await().atMost(WAIT).untilAsserted(() -> assertThat(control("recent")).contains(clientHost + " connects"));
    }

    /** The {@code servers} reply without the per-node counters (conn, sx, rx): what the cluster shares. */
    String sharedServers() {
        return control("servers").replaceAll(" conn \\d+", "").replaceAll(" sx \\d+ rx \\d+", "");
    }

    /** Waits until {@code other} shows the same servers and mode as this node. */
    void awaitSameSettings(ClusterNode other) {
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(other.sharedServers()).isEqualTo(sharedServers());
            assertThat(other.control("mode")).isEqualTo(control("mode"));
        });
    }

    /** The number of shared clients the {@code cluster} command reports (asks the cluster). */
    int sharedClients() {
        Matcher m = Pattern.compile("clients \\d+ here, (\\d+) shared").matcher(control("cluster"));
        return m.find() ? Integer.parseInt(m.group(1)) : -1;
    }

    @Override
    public void close() {
        node.close();
    }
}
