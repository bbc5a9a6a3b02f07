package io.jpen.cluster.state;

import io.jpen.node.config.ConfigException;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ClusterOptionsTest {

    @Test
    void theModuleIsEnabledByTheMemberList() {
        assertThat(ClusterOptions.enabled(Map.of())).isFalse();
        assertThat(ClusterOptions.enabled(Map.of("cluster_members", "127.0.0.11,127.0.0.12"))).isTrue();
    }

    @Test
    void defaultsAreTheDocumentedOnes() {
        ClusterOptions o = ClusterOptions.parse(Map.of("cluster_members", "127.0.0.11, 127.0.0.12",
                "cluster_bind", "127.0.0.11"));
        assertThat(o.name()).isEqualTo("jpen");
        assertThat(o.port()).isEqualTo(5701);
        assertThat(o.members()).containsExactly("127.0.0.11", "127.0.0.12");
        assertThat(o.multicast()).isFalse();
        assertThat(o.service()).isNull();
        assertThat(o.backups()).isEqualTo(1);
        assertThat(o.queueCapacity()).isEqualTo(65536);
        assertThat(o.heartbeatSeconds()).isEqualTo(1);
        assertThat(o.failureSeconds()).isEqualTo(5);
        assertThat(o.mergeSeconds()).isEqualTo(5);
        assertThat(o.refreshSeconds()).as("automatic").isZero();
        assertThat(o.memberAddress()).isEqualTo("127.0.0.11:5701");
    }

    @Test
    void theBindAddressDefaultsToTheOneMemberThatIsALocalInterfaceAddress() {
        ClusterOptions o = ClusterOptions.parse(Map.of("cluster_members", "127.0.0.1,192.0.2.77"));
        assertThat(o.bind().getHostAddress()).isEqualTo("127.0.0.1");
    }

    @Test
    void theBindAddressMustBeGivenWhenNoMemberIsAnInterfaceAddress() {
        assertThatThrownBy(() -> ClusterOptions.parse(Map.of("cluster_members", "127.0.0.11,127.0.0.12")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("cluster_bind")
                .hasMessageContaining("expected: cluster_bind ADDRESS");
    }

    @Test
    void membersAreHostsWithoutPorts() {
        assertThatThrownBy(() -> ClusterOptions.parse(Map.of("cluster_members", "127.0.0.11:5701",
                "cluster_bind", "127.0.0.11")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'127.0.0.11:5701' has a port");
        ClusterOptions v6 = ClusterOptions.parse(Map.of("cluster_members", "[::1],::2", "cluster_bind", "::1"));
        assertThat(v6.members()).containsExactly("::1", "::2");
        assertThat(v6.memberAddress()).isEqualTo("[0:0:0:0:0:0:0:1]:5701");
    }

    @Test
    void badValuesAreRejectedNamingTheKeyAndTheRange() {
        Map<String, String> base = Map.of("cluster_members", "127.0.0.11", "cluster_bind", "127.0.0.11");
        assertThatThrownBy(() -> ClusterOptions.parse(with(base, "cluster_port", "70000")))
                .hasMessage("'70000': cluster_port out of range (expected: 1-65535)");
        assertThatThrownBy(() -> ClusterOptions.parse(with(base, "cluster_backups", "0")))
                .hasMessage("'0': cluster_backups out of range (expected: 1-6)");
        assertThatThrownBy(() -> ClusterOptions.parse(with(base, "cluster_multicast", "maybe")))
                .hasMessageContaining("expected: on|off");
        assertThatThrownBy(() -> ClusterOptions.parse(with(base, "cluster_service", "a b")))
                .hasMessageContaining("bad service name");
    }

    @Test
    void everyKeyIsDeclared() {
        assertThat(ClusterOptions.KEYS).contains("cluster_members", "cluster_name", "cluster_bind", "cluster_port",
                "cluster_multicast", "cluster_service", "cluster_backups", "cluster_queue", "cluster_heartbeat",
                "cluster_failure_timeout", "cluster_merge_delay", "cluster_refresh");
    }

    private static Map<String, String> with(Map<String, String> base, String k, String v) {
        java.util.HashMap<String, String> m = new java.util.HashMap<>(base);
        m.put(k, v);
        return m;
    }
}
