package io.jpen.cluster.leader;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Planned maintenance: the VIP moves make-before-break, and a lone node keeps it. In-JVM, loopback. */
class LeaderHandoverTest {
    private static final String V = "VI_1";
    @TempDir
    Path dir;
    private LeaderGroup g;

    @BeforeEach
    void group() {
        g = new LeaderGroup(dir, 3);
    }

    @AfterEach
    void close() {
        g.close();
    }

    private List<String> order() {
        return g.scriptLog().stream().map(l -> l.split(" ")).map(p -> p[1] + " " + p[2] + (p[2].equals("notify") ? " " + p[5] : ""))
                .toList();
    }

    @Test
    void handoverAddsTheVipOnTheSuccessorBeforeRemovingItHere() throws Exception {
        var n0 = g.start(0);
        await().atMost(Duration.ofSeconds(10)).until(() -> g.masters(V).equals(List.of("n0")));
        g.start(1);
        g.start(2, "vip_priority", "120");
        g.awaitView();

        String reply = n0.service.handover().get(10, TimeUnit.SECONDS);

        assertThat(reply).isEqualTo("handover done: this node holds no VIP");
        assertThat(g.masters(V)).as("the best other node took it").containsExactly("n2");
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(order()).containsSubsequence("n2 vip-up", "n0 vip-down", "n0 notify BACKUP"));
        assertThat(n0.service.snapshot().leaving()).isTrue();
        await().atMost(Duration.ofSeconds(5)).until(() -> g.scriptLog().stream().anyMatch(l -> l.contains(" n2 vip-garp ")));
    }

    @Test
    void aLeavingNodeIsNotChosenAgainWhileItDrains() throws Exception {
        var n0 = g.start(0);
        await().atMost(Duration.ofSeconds(10)).until(() -> g.masters(V).equals(List.of("n0")));
        var n1 = g.start(1);
        g.awaitView();
        n0.service.handover().get(10, TimeUnit.SECONDS);
        n1.listener.set(false); // n1 goes FAULT: the VIP must not come back to the leaving n0
        await().atMost(Duration.ofSeconds(5)).until(() -> n1.state(V).equals("FAULT"));
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5)).until(() -> g.masters(V).isEmpty()
                || g.masters(V).equals(List.of("n0")));
        // with nobody else able to hold it, the leaving node is the last resort
        await().atMost(Duration.ofSeconds(5)).until(() -> g.masters(V).equals(List.of("n0")));
    }

    @Test
    void aLoneNodeKeepsItsVipAndSaysSo() throws Exception {
        var n0 = g.start(0);
        await().atMost(Duration.ofSeconds(10)).until(() -> g.masters(V).equals(List.of("n0")));
        String reply = n0.service.handover().get(10, TimeUnit.SECONDS);
        assertThat(reply).startsWith("handover: no other node can take VI_1");
        assertThat(g.masters(V)).containsExactly("n0");
    }
}
