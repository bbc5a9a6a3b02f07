package io.jpen.it.failover;

import io.jpen.it.net.Privileges;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.List;

import static io.jpen.it.failover.Scenarios.runs;

/**
 * A pair without witness or quorum (keepalived's behaviour): a partition gives two holders for as long as it lasts;
 * what must hold is the heal: exactly one holder again, announcing itself with a fresh gratuitous ARP.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PairWithoutQuorumTest {
    private JpenCluster c;

    @BeforeAll
    void up() throws Exception {
        Privileges.requireNetworkAdmin();
        c = JpenCluster.start("pair-noquorum", new JpenCluster.Setup(2, false, "off", 1, List.of()));
    }

    @AfterAll
    void down() {
        if (c != null) {
            c.close();
        }
        Report.print();
    }

    @Test
    void afterAPartitionHealsOneHolderRemainsAndSendsAFreshGratuitousArp() throws Exception {
        SoftAssertions soft = new SoftAssertions();
        for (int i = 1; i <= runs(2); i++) {
            Figures f = Scenarios.partition(c, i, Scenarios.PARTITION_NO_QUORUM);
            soft.assertThat(f.gapMs()).as("partition %d: gap (ms)", i).isLessThanOrEqualTo(2000);
            Bounds.atMost(soft, f, "one holder after heal", 5000);
            Bounds.atMost(soft, f, "GARP after heal", 5000);
            Bounds.common(soft, f);
        }
        soft.assertAll();
    }
}
