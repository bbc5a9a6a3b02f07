package io.jpen.cluster.leader.group;

import io.jpen.cluster.leader.config.GroupOptions;
import io.jpen.cluster.leader.config.LeaderOptions;
import org.jgroups.JChannel;
import org.jgroups.protocols.FD_SOCK2;
import org.jgroups.protocols.TCP;
import org.jgroups.protocols.TP;
import org.jgroups.protocols.UDP;
import org.jgroups.stack.Protocol;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class StackFactoryTest {

    private static GroupOptions options(String... extra) {
        Map<String, String> m = new java.util.HashMap<>(Map.of("vip_witness", "true", "cluster_bind", "127.0.0.31",
                "cluster_members", "127.0.0.31,127.0.0.32"));
        for (int i = 0; i + 1 < extra.length; i += 2) {
            m.put(extra[i], extra[i + 1]);
        }
        return LeaderOptions.parse(m).group();
    }

    private static List<String> names(List<Protocol> stack) {
        return stack.stream().map(p -> p.getClass().getSimpleName()).toList();
    }

    @Test
    void theTcpStackHasTheDocumentedOrderAndBindsOnlyTheClusterAddress() throws Exception {
        GroupOptions o = options();
        List<Protocol> stack = StackFactory.build(o, new ContactTracker(), new CrashWatcher(), List.of());
        assertThat(names(stack)).containsExactly("TCP", "TCPPING", "MERGE3", "ContactTracker", "PromptCrashDetection",
                "CrashWatcher", "FD_ALL3", "VERIFY_SUSPECT", "BARRIER", "NAKACK2", "UNICAST3", "STABLE", "GMS",
                "FRAG2");
        TCP tcp = (TCP) stack.get(0);
        assertThat(tcp.getBindAddress()).isEqualTo(InetAddress.getByName("127.0.0.31"));
        assertThat(tcp.getBindPort()).isEqualTo(7800);
        assertThat(tcp.getDiagnosticsHandler().isEnabled()).as("diagnostics multicast off").isFalse();
        assertThat(((FD_SOCK2) stack.get(4)).getBindAddress()).isEqualTo(InetAddress.getByName("127.0.0.31"));
    }

    @Test
    void theUdpStackUsesMulticastDiscoveryWithTheConfiguredGroupAndTtl() throws Exception {
        GroupOptions o = options("jgroups_transport", "udp", "jgroups_mcast_addr", "239.7.8.9", "jgroups_mcast_ttl", "0");
        List<Protocol> stack = StackFactory.build(o, new ContactTracker(), new CrashWatcher(), List.of());
        assertThat(names(stack)).startsWith("UDP", "PING", "MERGE3");
        UDP udp = (UDP) stack.get(0);
        assertThat(udp.getValue("mcast_group_addr")).isEqualTo(InetAddress.getByName("239.7.8.9"));
        assertThat(udp.getValue("ip_ttl")).isEqualTo(0);
        assertThat(((TP) udp).getDiagnosticsHandler().isEnabled()).isFalse();
        try (JChannel ch = new JChannel(stack)) {
            assertThat(ch.getProtocolStack().getTransport()).isSameAs(udp); // a valid stack, not connected
        }
    }
}
