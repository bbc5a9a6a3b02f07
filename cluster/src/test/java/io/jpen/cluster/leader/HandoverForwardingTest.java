package io.jpen.cluster.leader;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The order of the scripts in a planned handover that carries established connections over (in-JVM, loopback,
 * recording fake scripts; the real scripts are tested in vip-scripts, the whole in {@link HandoverConnectionsTest}):
 * the successor forwards before it adds the VIP, the old holder moves the VIP to lo instead of removing it, and each
 * undoes its part at the right moment.
 */
class HandoverForwardingTest {
    private static final String V = "VI_1";
    private static final String FORWARD_ADD = "vip-handover-forward add lo 10.78.200.1/32 ";
    @TempDir
    Path dir;
    private LeaderGroup g;

    @AfterEach
    void close() {
        if (g != null) {
            g.close();
        }
    }

    /** Calls of one node made after its start-up clean-up (which runs every del once). */
    private List<String> callsAfterStart(String node) {
        List<String> c = g.calls(node);
        int start = c.indexOf("vip-down lo 10.78.200.1/32");
        return c.subList(start + 1, c.size());
    }

    private LeaderGroup.Member[] pairWithN0Holding() {
        var n0 = g.start(0);
        await().atMost(Duration.ofSeconds(10)).until(() -> g.masters(V).equals(List.of("n0")));
        var n1 = g.start(1);
        g.awaitView();
        return new LeaderGroup.Member[] {n0, n1};
    }

    @Test
    void theSuccessorForwardsBeforeItAddsTheVipAndTheOldHolderKeepsItOnLoUntilItStops() throws Exception {
        g = new LeaderGroup(dir, 2).withHandoverScripts();
        var pair = pairWithN0Holding();

        String reply = pair[0].service.handover(Duration.ofSeconds(7)).get(10, TimeUnit.SECONDS);

        assertThat(reply).isEqualTo("handover done: this node holds no VIP");
        assertThat(g.masters(V)).containsExactly("n1");
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(g.calls("n0"))
                .contains("vip-handover-release add lo 10.78.200.1/32 " + LeaderGroup.host(1)));
        assertThat(callsAfterStart("n1"))
                .containsSubsequence(FORWARD_ADD + LeaderGroup.host(0), "vip-up lo 10.78.200.1/32");
        assertThat(callsAfterStart("n0")).as("moved to lo, not removed").doesNotContain("vip-down lo 10.78.200.1/32");
        // the address outlives a crash of the draining node by no more than its drain time and a margin
        assertThat(g.scriptLog())
                .anyMatch(l -> l.contains(" n0 vip-handover-release add ") && l.endsWith(" life=23"));
        // make before break: the successor held the VIP before the old holder let go of it
        List<String> all = g.scriptLog().stream().map(l -> l.split(" "))
                .map(p -> p[1] + " " + p[2] + " " + p[3]).toList();
        assertThat(all).containsSubsequence("n1 vip-up lo", "n0 vip-handover-release add");
        assertThat(pair[1].service.snapshot().vips().get(0).handover()).isEqualTo("forwarding to n0");
        assertThat(pair[0].service.snapshot().vips().get(0).handover()).isEqualTo("on lo while draining");

        g.stop("n0"); // drained: it leaves

        assertThat(callsAfterStart("n0"))
                .endsWith("vip-handover-release del lo 10.78.200.1/32", "notify INSTANCE VI_1 STOP 100");
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(callsAfterStart("n1")).endsWith("vip-handover-forward del lo 10.78.200.1/32"));
        assertThat(pair[1].service.snapshot().vips().get(0).handover()).isEmpty();
        assertThat(g.masters(V)).containsExactly("n1");
    }

    @Test
    void forwardingEndsAfterTheOldHoldersDrainTimeEvenIfItStaysInTheView() throws Exception {
        g = new LeaderGroup(dir, 2).withHandoverScripts();
        g.set("vip_handover_timeout", "1s").set("vip_script_timeout", "1s"); // margin: 1 s + 2 x 1 s
        var pair = pairWithN0Holding();

        pair[0].service.handover(Duration.ofSeconds(1)).get(10, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(5))
                .until(() -> callsAfterStart("n1").contains(FORWARD_ADD + LeaderGroup.host(0)));
        long added = System.nanoTime();

        await().atMost(Duration.ofSeconds(10)).until(() ->
                callsAfterStart("n1").contains("vip-handover-forward del lo 10.78.200.1/32"));
        long ms = (System.nanoTime() - added) / 1_000_000;
        assertThat(ms).as("drain 1 s + margin 3 s").isBetween(3000L, 8000L);
        assertThat(pair[0].service.snapshot().members()).hasSize(2);
    }

    @Test
    void anOldHolderThatOnlyWentSilentIsForwardedToUntilItsDrainTimeIsOver() throws Exception {
        g = new LeaderGroup(dir, 2).withHandoverScripts();
        g.set("vip_handover_timeout", "1s").set("vip_script_timeout", "1s"); // margin: 1 s + 2 x 1 s
        var pair = pairWithN0Holding();
        pair[0].service.handover(Duration.ofSeconds(3)).get(10, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(5))
                .until(() -> callsAfterStart("n1").contains(FORWARD_ADD + LeaderGroup.host(0)));
        long added = System.nanoTime();

        g.partition(List.of(pair[0]), List.of(pair[1])); // a cut or a stall: n0 may still be draining

        await().atMost(Duration.ofSeconds(5)).until(() -> pair[1].service.snapshot().members().size() == 1);
        assertThat(callsAfterStart("n1")).as("still forwarding to the silent old holder")
                .doesNotContain("vip-handover-forward del lo 10.78.200.1/32");
        await().atMost(Duration.ofSeconds(15)).until(() ->
                callsAfterStart("n1").contains("vip-handover-forward del lo 10.78.200.1/32"));
        assertThat((System.nanoTime() - added) / 1_000_000).as("drain 3 s + margin 3 s").isGreaterThanOrEqualTo(5500L);
    }

    @Test
    void aVipThatComesBackToTheDrainingNodeLeavesLoBeforeItIsAddedAgain() throws Exception {
        g = new LeaderGroup(dir, 2).withHandoverScripts();
        var pair = pairWithN0Holding();
        pair[0].service.handover(Duration.ofSeconds(30)).get(10, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(5)).until(() -> callsAfterStart("n0").stream()
                .anyMatch(c -> c.startsWith("vip-handover-release add")));

        pair[1].listener.set(false); // n1 goes FAULT: the draining n0 is the last resort

        await().atMost(Duration.ofSeconds(10)).until(() -> g.masters(V).equals(List.of("n0")));
        assertThat(callsAfterStart("n0")).containsSubsequence(
                "vip-handover-release add lo 10.78.200.1/32 " + LeaderGroup.host(1),
                "vip-handover-release del lo 10.78.200.1/32", "vip-up lo 10.78.200.1/32");
        assertThat(pair[0].service.snapshot().vips().get(0).handover()).isEmpty();
    }

    @Test
    void withForwardingOffAHandoverRemovesTheVipAsBefore() throws Exception {
        g = new LeaderGroup(dir, 2).withHandoverScripts();
        g.set("vip_handover_forward", "false");
        var pair = pairWithN0Holding();

        pair[0].service.handover(Duration.ofSeconds(7)).get(10, TimeUnit.SECONDS);

        await().atMost(Duration.ofSeconds(5)).until(() -> callsAfterStart("n0").contains("vip-down lo 10.78.200.1/32"));
        assertThat(callsAfterStart("n0")).noneMatch(c -> c.startsWith("vip-handover"));
        assertThat(callsAfterStart("n1")).noneMatch(c -> c.startsWith("vip-handover"));
    }
}
