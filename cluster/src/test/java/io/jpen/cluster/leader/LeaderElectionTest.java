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

/** Who becomes MASTER: priority, seniority, nopreempt, preempt with delay, failover, quorum, witness. In-JVM, loopback. */
class LeaderElectionTest {
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

    @Test
    void theHighestPriorityBecomesMasterOnceTheQuorumIsThere() {
        g.set("vip_quorum", "2");
        g.start(0, "vip_priority", "100");
        g.start(1, "vip_priority", "150");
        g.awaitView();
        await().atMost(Duration.ofSeconds(10)).until(() -> g.masters(V).equals(List.of("n1")));
        assertThat(g.member("n0").state(V)).isEqualTo("BACKUP");
    }

    @Test
    void equalPrioritiesGoToTheOldestMember() {
        g.set("vip_quorum", "2");
        g.start(0);
        g.start(1);
        g.awaitView();
        await().atMost(Duration.ofSeconds(10)).until(() -> g.masters(V).equals(List.of("n0")));
    }

    @Test
    void aLoneNodeWithoutQuorumTakesTheVipLikeKeepalived() {
        g.start(0);
        await().atMost(Duration.ofSeconds(10)).until(() -> g.masters(V).equals(List.of("n0")));
        assertThat(g.calls("n0")).containsSubsequence("vip-up lo 10.78.200.1/32", "notify INSTANCE VI_1 MASTER 100");
    }

    @Test
    void nopreemptLeavesTheVipWithTheHolderWhenABetterNodeJoins() {
        g.start(0, "vip_priority", "100");
        await().atMost(Duration.ofSeconds(10)).until(() -> g.masters(V).equals(List.of("n0")));
        g.start(1, "vip_priority", "200");
        g.awaitView();
        await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(5)).until(() -> g.masters(V).equals(List.of("n0")));
        assertThat(g.calls("n1")).doesNotContain("vip-up lo 10.78.200.1/32");
    }

    @Test
    void preemptTakesTheVipAfterItsDelayMakingTheNewAddressBeforeBreakingTheOld() {
        g.start(0, "vip_priority", "100");
        await().atMost(Duration.ofSeconds(10)).until(() -> g.masters(V).equals(List.of("n0")));
        long joined = System.nanoTime();
        g.start(1, "vip_priority", "200", "vip_preempt", "true", "vip_preempt_delay", "1500ms");
        g.awaitView();
        await().atMost(Duration.ofSeconds(10)).until(() -> g.masters(V).equals(List.of("n1")));
        assertThat(Duration.ofNanos(System.nanoTime() - joined)).isGreaterThanOrEqualTo(Duration.ofMillis(1500));
        await().atMost(Duration.ofSeconds(5)).until(() -> g.member("n0").state(V).equals("BACKUP"));
        List<String> log = g.scriptLog().stream().map(l -> l.split(" ", 3)[1] + " " + l.split(" ", 4)[2]).toList();
        assertThat(log).containsSubsequence("n1 vip-up", "n0 vip-down");
    }

    @Test
    void whenTheHolderLeavesTheOtherNodeTakesOver() {
        g.start(0);
        await().atMost(Duration.ofSeconds(10)).until(() -> g.masters(V).equals(List.of("n0")));
        g.start(1);
        g.awaitView();
        g.stop("n0");
        await().atMost(Duration.ofSeconds(5)).until(() -> g.masters(V).equals(List.of("n1")));
        assertThat(g.calls("n0")).containsSubsequence("vip-down lo 10.78.200.1/32", "notify INSTANCE VI_1 STOP 100");
    }

    @Test
    void withoutQuorumNobodyHoldsAndLosingItDropsTheVip() {
        g.set("vip_quorum", "majority");
        g.start(0);
        await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(5)).until(() -> g.masters(V).isEmpty());
        assertThat(g.calls("n0")).doesNotContain("vip-up lo 10.78.200.1/32");
        g.start(1);
        await().atMost(Duration.ofSeconds(10)).until(() -> g.masters(V).size() == 1);
        String holder = g.masters(V).get(0);
        String other = holder.equals("n0") ? "n1" : "n0";
        g.stop(other);
        await().atMost(Duration.ofSeconds(5)).until(() -> g.masters(V).isEmpty());
        assertThat(g.member(holder).state(V)).isEqualTo("BACKUP");
    }

    @Test
    void aWitnessCountsForTheQuorumButNeverHolds() {
        g.set("vip_quorum", "majority");
        g.start(2, "vip_witness", "true");
        g.start(0);
        await().atMost(Duration.ofSeconds(10)).until(() -> g.masters(V).equals(List.of("n0")));
        assertThat(g.member("w2").service.snapshot().members()).extracting(Snapshot.Member::role)
                .contains("witness");
    }

    @Test
    void everyScriptCallCarriesTheEpochOfTheDecision() {
        g.start(0);
        await().atMost(Duration.ofSeconds(10)).until(() -> g.masters(V).equals(List.of("n0")));
        String up = g.scriptLog().stream().filter(l -> l.contains(" vip-up ")).findFirst().orElseThrow();
        assertThat(up).matches(".* epoch=\\d+\\.\\d+$");
    }
}
