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

/**
 * Several VIPs over three nodes: each on its home node, only the failed node's VIP moves, and VIPs taken by the first
 * node up are spread over nodes that join later. In-JVM, loopback.
 */
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

    @Test
    void vipsTheFirstNodeTookAreSpreadOverNodesThatJoinLaterOneMoveAtATimeMakeBeforeBreak() {
        g.withHandoverScripts().set("vip_preempt", "false").set("vip_rebalance_delay", "1s");
        g.start(0);
        await().atMost(Duration.ofSeconds(15)).until(() -> g.masters("VI_1").equals(List.of("n0"))
                && g.masters("VI_2").equals(List.of("n0")) && g.masters("VI_3").equals(List.of("n0")));
        g.start(1);
        await().atMost(Duration.ofSeconds(15)).until(() -> held("n1") == 1 && held("n0") == 2);
        // a node that has not loaded the shared table yet is given nothing
        LeaderGroup.Member n2 = g.start(2, List.of("shared state loaded"));
        g.awaitView();
        await().pollDelay(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).until(() -> true);
        assertThat(held("n2")).isZero();
        n2.notReady.set(List.of());
        await().atMost(Duration.ofSeconds(15)).until(() -> held("n0") == 1 && held("n1") == 1 && held("n2") == 1);

        // each VIP moved at most once, each move planned: the new holder forwards, adds, then the old one lets go
        // to lo (a handover's release), and never vip-down
        List<String> log = g.scriptLog();
        for (String vip : List.of("10.78.200.1/32", "10.78.200.2/32", "10.78.200.3/32")) {
            List<String> ups = log.stream().filter(l -> l.contains(" vip-up lo " + vip)).toList();
            assertThat(ups).as("vip-up of %s", vip).hasSizeBetween(1, 2);
            if (ups.size() == 2) {
                String to = ups.get(1).split(" ")[1];
                int forward = indexOf(log, to + " vip-handover-forward add lo " + vip);
                int up = log.indexOf(ups.get(1));
                int release = indexOf(log, "n0 vip-handover-release add lo " + vip);
                assertThat(forward).as("forwarding before vip-up").isBetween(0, up - 1);
                assertThat(release).as("old holder lets go after the new one added it").isGreaterThan(up);
            }
        }
        List<String> n0 = g.calls("n0");
        int firstUp = n0.indexOf(n0.stream().filter(c -> c.startsWith("vip-up")).findFirst().orElseThrow());
        assertThat(n0.subList(firstUp, n0.size())).noneMatch(c -> c.startsWith("vip-down"));
    }

    /** How many VIPs a member is MASTER of. */
    private int held(String node) {
        return (int) List.of("VI_1", "VI_2", "VI_3").stream().filter(v -> g.masters(v).contains(node)).count();
    }

    private static int indexOf(List<String> log, String call) {
        for (int i = 0; i < log.size(); i++) {
            if (log.get(i).contains(" " + call)) {
                return i;
            }
        }
        return -1;
    }
}
