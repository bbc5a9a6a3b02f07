package io.jpen.it.failover;

import io.jpen.it.net.Privileges;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.List;

import static io.jpen.it.failover.Scenarios.runs;

/** Scale-out: three nodes, three VIPs spread over them, majority quorum. A killed node's VIP moves; no other does. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TrioFailoverTest {
    private JpenCluster c;

    @BeforeAll
    void up() throws Exception {
        Privileges.requireNetworkAdmin();
        c = JpenCluster.start("trio", new JpenCluster.Setup(3, false, "majority", 3, List.of()));
    }

    @AfterAll
    void down() {
        if (c != null) {
            c.close();
        }
        Report.print();
    }

    @Test
    void killingOneNodeMovesItsVipAndNoOther() throws Exception {
        SoftAssertions soft = new SoftAssertions();
        for (int i = 1; i <= runs(2); i++) {
            Figures f = Scenarios.trioKill(c, i);
            soft.assertThat(f.gapMs()).as("trio %d: gap of the killed node's VIP (ms)", i).isLessThanOrEqualTo(2000);
            // issue #5 item 8: every node active, the VIPs spread over them (the node started first took them all;
            // rebalancing moved them, and moves the killed node's VIP back to it when it returns)
            soft.assertThat(f.extra().get("one VIP per node before the fault")).as("trio %d: one VIP per node", i)
                    .isEqualTo("yes");
            Bounds.atMost(soft, f, "other VIPs moved", 0);
            Bounds.atMost(soft, f, "other VIPs: failed attempts", 2);
            Bounds.common(soft, f);
        }
        soft.assertAll();
    }
}
