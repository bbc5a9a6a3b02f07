package io.jpen.cluster.leader;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Several VIPs over three nodes: each on its home node, and only the failed node's VIP moves. In-JVM, loopback. */
class LeaderSpreadTest {
    private static final String VIPS = "VI_1=10.78.200.1/32@lo,VI_2=10.78.200.2/32@lo,VI_3=10.78.200.3/32@lo";
    @TempDir
    Path dir;
    private LeaderGroup g;

    @BeforeEach
    void group() {
        g = new LeaderGroup(dir, 3);
        g.set("vip_address", VIPS).set("vip_preempt", "true").set("vip_preempt_delay", "500ms");
    }

    @AfterEach
    void close() {
        g.close();
    }

    @Test
    void eachVipGoesHomeAndOnlyTheFailedNodesVipMoves() {
        g.start(0, "vip_priority", "150,100,100");
        g.start(1, "vip_priority", "100,150,100");
        g.start(2, "vip_priority", "100,100,150");
        g.awaitView();
        await().atMost(Duration.ofSeconds(15)).until(() -> g.masters("VI_1").equals(List.of("n0"))
                && g.masters("VI_2").equals(List.of("n1")) && g.masters("VI_3").equals(List.of("n2")));
        int before0 = g.calls("n0").size();
        int before2 = g.calls("n2").size();

        g.stop("n1");

        await().atMost(Duration.ofSeconds(5)).until(() -> g.masters("VI_2").size() == 1);
        assertThat(g.masters("VI_1")).containsExactly("n0");
        assertThat(g.masters("VI_3")).containsExactly("n2");
        List<String> moved = g.calls("n0").subList(before0, g.calls("n0").size());
        moved.addAll(g.calls("n2").subList(before2, g.calls("n2").size()));
        assertThat(moved).noneMatch(c -> c.startsWith("vip-down"));
        assertThat(moved).filteredOn(c -> c.startsWith("vip-up")).containsExactly("vip-up lo 10.78.200.2/32");
    }

    @Test
    void equalPrioritiesSpreadOneVipPerNodeWhenTheyStartTogether() {
        g.set("vip_preempt", "false").set("vip_quorum", "3");
        g.start(0);
        g.start(1);
        g.start(2);
        g.awaitView();
        await().atMost(Duration.ofSeconds(10)).until(() -> g.masters("VI_1").size() == 1
                && g.masters("VI_2").size() == 1 && g.masters("VI_3").size() == 1);
        assertThat(List.of(g.masters("VI_1").get(0), g.masters("VI_2").get(0), g.masters("VI_3").get(0)))
                .containsExactlyInAnyOrder("n0", "n1", "n2");
    }
}
