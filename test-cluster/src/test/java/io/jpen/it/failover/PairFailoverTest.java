package io.jpen.it.failover;

import io.jpen.it.net.Privileges;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.util.List;

import static io.jpen.it.failover.Scenarios.runs;

/**
 * The recommended pair: two nodes and a witness, {@code vip_quorum majority}, one VIP. Every fault of issue #6 that a
 * pair can suffer, each repeated (a few times in CI, {@value Scenarios#FULL_RUNS} in the full run). Assertions are
 * generous bounds that catch regressions; the targets are in the report.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PairFailoverTest {
    private JpenCluster c;

    @BeforeAll
    void up() throws Exception {
        Privileges.requireNetworkAdmin();
        c = JpenCluster.start("pair", new JpenCluster.Setup(2, true, "majority", 1, List.of()));
    }

    @AfterAll
    void down() {
        if (c != null) {
            c.close();
        }
        Report.print();
    }

    @Test
    @Order(1)
    void killingTheHolderMovesTheVipAndTheKilledNodeRejoinsWithoutTakingItBack() throws Exception {
        SoftAssertions soft = new SoftAssertions();
        for (int i = 1; i <= runs(3); i++) {
            String holder = c.awaitHolders(java.time.Duration.ofSeconds(30)).get(c.vips().get(0));
            Figures k = Scenarios.killHolder(c, i);
            soft.assertThat(k.gapMs()).as("kill %d: failover gap (ms)", i).isLessThanOrEqualTo(2000);
            Bounds.atMost(soft, k, "killed node's VIP gone after", 5000);
            Bounds.common(soft, k);
            Figures r = Scenarios.rejoin(c, holder, i);
            soft.assertThat(r.extra().get("VIP moves")).as("rejoin %d: VIP moves (nopreempt)", i).isEqualTo("0");
            soft.assertThat(r.extra().get("table complete before it became eligible"))
                    .as("rejoin %d: shared table loaded before the node is eligible for a VIP", i).isEqualTo("yes");
            soft.assertThat(r.failed()).as("rejoin %d: failed attempts", i).isLessThanOrEqualTo(5);
            Bounds.common(soft, r);
        }
        soft.assertAll();
    }

    @Test
    @Order(2)
    void aCutCableMovesTheVipAndAfterRestoreOneHolderRemainsAndAnnouncesItself() throws Exception {
        SoftAssertions soft = new SoftAssertions();
        for (int i = 1; i <= runs(2); i++) {
            Figures f = Scenarios.cutLink(c, i);
            soft.assertThat(f.gapMs()).as("cut %d: failover gap (ms)", i).isLessThanOrEqualTo(2000);
            Bounds.atMost(soft, f, "one holder after restore", 5000);
            Bounds.atMost(soft, f, "GARP after restore", 5000);
            Bounds.atMost(soft, f, "VIP moves after restore", 1);
            Bounds.common(soft, f);
        }
        soft.assertAll();
    }

    @Test
    @Order(3)
    void aFrozenHolderLosesTheVipAndDropsItWhenResumed() throws Exception {
        SoftAssertions soft = new SoftAssertions();
        for (int i = 1; i <= runs(2); i++) {
            Figures f = Scenarios.freeze(c, i);
            soft.assertThat(f.gapMs()).as("freeze %d: failover gap (ms)", i).isLessThanOrEqualTo(2000);
            Bounds.atMost(soft, f, "VIP on resumed node after resume", 1000);
            Bounds.common(soft, f);
        }
        soft.assertAll();
    }

    @Test
    @Order(4)
    void aHolderCutOffFromTheQuorumGivesUpTheVipBeforeTheOtherSideTakesIt() throws Exception {
        SoftAssertions soft = new SoftAssertions();
        for (int i = 1; i <= runs(2); i++) {
            Figures f = Scenarios.partition(c, i, Scenarios.PARTITION_QUORUM);
            soft.assertThat(f.gapMs()).as("partition %d: failover gap (ms)", i).isLessThanOrEqualTo(2000);
            soft.assertThat(f.twoHoldersMs()).as("partition %d: time with two holders (ms)", i).isLessThanOrEqualTo(500);
            Bounds.atMost(soft, f, "one holder after heal", 5000);
            Bounds.common(soft, f);
        }
        soft.assertAll();
    }

    @Test
    @Order(5)
    void aPlannedHandoverMovesTheVipWithoutFailingClients() throws Exception {
        SoftAssertions soft = new SoftAssertions();
        int runs = runs(2);
        int withFailures = 0;
        for (int i = 1; i <= runs; i++) {
            Figures f = Scenarios.handover(c, i);
            // what a planned handover promises since the successor forwards the old holder's connections to it
            // (docs/leadership.md section 5): no failed attempt, no connection cut, on either node. Connections cut
            // are checked in every run. Failed attempts: a make-before-break that broke fails every run; a node
            // starved of CPU on these shared cores can still miss one now and then (1 run in 80 failed attempts on
            // a cold successor, fixed by the warm-up; 1 single attempt in 30 runs after it); so at most one run in
            // ten (and one in CI's two) may have failed attempts, and the report shows every run against the target
            if (f.failed() > 0) {
                withFailures++;
            }
            soft.assertThat(f.gapMs()).as("handover %d: gap (ms)", i).isLessThanOrEqualTo(1000);
            soft.assertThat(f.lostFailed()).as("handover %d: connections cut through the old holder", i).isZero();
            Bounds.common(soft, f);
        }
        soft.assertThat(withFailures).as("handover runs with failed attempts, of %d", runs)
                .isLessThanOrEqualTo(Math.max(1, runs / 10));
        soft.assertAll();
    }

    @Test
    @Order(6)
    void aDeadBackendIsAvoidedByEveryNodeAndOnlyItsClientsMove() throws Exception {
        SoftAssertions soft = new SoftAssertions();
        for (int i = 1; i <= runs(2); i++) {
            Figures f = Scenarios.backendDies(c, i);
            soft.assertThat(f.gapMs()).as("backend %d: gap (ms)", i).isLessThanOrEqualTo(2000);
            Bounds.atMost(soft, f, "fresh clients delayed by the dead backend", 0);
            Bounds.common(soft, f);
        }
        soft.assertAll();
    }
}
