package io.jpen.cluster.leader.config;

import io.jpen.node.config.ConfigException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LeaderOptionsTest {
    private static final String SCRIPTS = LeaderOptionsTest.class.getResource("/").getPath() + "../../../vip-scripts";

    private static Map<String, String> base() {
        Map<String, String> m = new HashMap<>();
        m.put("vip_address", "10.78.0.100/24@eth0");
        m.put("vip_scripts_dir", SCRIPTS);
        m.put("cluster_bind", "127.0.0.1");
        return m;
    }

    private static LeaderOptions parse(Map<String, String> m) {
        return LeaderOptions.parse(m);
    }

    @Test
    void defaultsAreTheDocumentedOnes() {
        LeaderOptions o = parse(base());
        assertThat(o.vips()).hasSize(1);
        assertThat(o.vips().get(0).name()).isEqualTo("10.78.0.100");
        assertThat(o.vips().get(0).priority()).isEqualTo(100);
        assertThat(o.preempt()).isFalse();
        assertThat(o.quorum()).isZero();
        assertThat(o.scripts().lifetime()).isEqualTo(Duration.ofSeconds(1));
        assertThat(o.group().port()).isEqualTo(7800);
        assertThat(o.group().fdTimeout()).isEqualTo(Duration.ofMillis(200));
        assertThat(o.group().udp()).isFalse();
        assertThat(o.handoverDrain()).isEqualTo(Duration.ofSeconds(30));
        assertThat(o.handoverForward()).isTrue();
        for (LeaderKey k : LeaderKey.values()) {
            assertThat(k.description()).as(k.key()).isNotBlank();
        }
    }

    @Test
    void vipEntriesTakeNamePrefixAndInterfaceAndOnePriorityEach() {
        Map<String, String> m = base();
        m.put("vip_address", "VI_1=10.78.0.100/24@eth1, 10.78.0.101");
        m.put("vip_interface", "eth0");
        m.put("vip_priority", "150,50");
        LeaderOptions o = parse(m);
        assertThat(o.vips()).containsExactly(new VipSpec("VI_1", "10.78.0.100", 24, "eth1", 150),
                new VipSpec("10.78.0.101", "10.78.0.101", 32, "eth0", 50));
    }

    @Test
    void handoverDrainAndForwardingAreSettings() {
        Map<String, String> m = base();
        m.put("vip_handover_drain", "90");
        m.put("vip_handover_forward", "false");
        LeaderOptions o = parse(m);
        assertThat(o.handoverDrain()).isEqualTo(Duration.ofSeconds(90));
        assertThat(o.handoverForward()).isFalse();
        m.put("vip_handover_drain", "7200");
        assertThatThrownBy(() -> parse(m)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("vip_handover_drain 7200").hasMessageContaining("out of range");
    }

    @Test
    void badValuesAreRejectedNamingKeyAndValue() {
        Map<String, String> m = base();
        m.put("vip_priority", "300");
        assertThatThrownBy(() -> parse(m)).isInstanceOf(ConfigException.class)
                .hasMessage("'vip_priority 300': out of range (expected: 1-254)");

        Map<String, String> n = base();
        n.put("vip_address", "10.78.0.300/24@eth0");
        assertThatThrownBy(() -> parse(n)).hasMessageContaining("vip_address").hasMessageContaining("not an IPv4");

        Map<String, String> q = base();
        q.put("vip_address", "10.78.0.100/24");
        assertThatThrownBy(() -> parse(q)).hasMessageContaining("no interface");

        Map<String, String> d = base();
        d.put("jgroups_fd_timeout", "soon");
        assertThatThrownBy(() -> parse(d)).hasMessage("'jgroups_fd_timeout soon': not a duration (expected: e.g. 200ms or 2s)");
    }

    @Test
    void durationsTakeUnitsAndBareNumbersFollowTheKeysHabit() {
        Map<String, String> m = base();
        m.put("vip_preempt_delay", "3");
        m.put("jgroups_fd_timeout", "400");
        m.put("jgroups_verify_timeout", "0.25s");
        LeaderOptions o = parse(m);
        assertThat(o.preemptDelay()).isEqualTo(Duration.ofSeconds(3));
        assertThat(o.group().fdTimeout()).isEqualTo(Duration.ofMillis(400));
        assertThat(o.group().verifyTimeout()).isEqualTo(Duration.ofMillis(250));
    }

    @Test
    void majorityQuorumCountsTheConfiguredMembers() {
        Map<String, String> m = base();
        m.put("cluster_members", "127.0.0.1,127.0.0.2,127.0.0.3");
        m.put("vip_quorum", "majority");
        assertThat(parse(m).quorum()).isEqualTo(2);
    }

    @Test
    void aFenceTimeoutThatIsNotShorterThanExclusionIsRefusedWithAQuorum() {
        Map<String, String> m = base();
        m.put("vip_quorum", "2");
        m.put("vip_fence_timeout", "400ms");
        assertThatThrownBy(() -> parse(m)).hasMessageContaining("vip_fence_timeout").hasMessageContaining("shorter");
    }

    @Test
    void aWitnessNeedsNoVipAndMayNotHaveOne() {
        Map<String, String> m = new HashMap<>();
        m.put("vip_witness", "true");
        m.put("cluster_bind", "127.0.0.1");
        assertThat(LeaderOptions.enabled(m)).isTrue();
        assertThat(parse(m).witness()).isTrue();
        m.put("vip_address", "10.78.0.100/24@eth0");
        assertThatThrownBy(() -> parse(m)).hasMessageContaining("a witness holds no VIP");
    }

    @Test
    void leadershipIsOffWithoutVipOrWitness() {
        assertThat(LeaderOptions.enabled(Map.of("cluster_members", "127.0.0.1"))).isFalse();
    }
}
