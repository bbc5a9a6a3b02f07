package io.jpen.it.failover;

import io.jpen.it.net.Privileges;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.time.Duration;
import java.util.List;

/**
 * Full run only ({@code -Djpen.failover.full=true}): ten minutes of traffic through the VIP of a pair with witness
 * (a new connection every 10 ms plus eight streaming connections) with no fault: no failover may happen.
 * {@code -Djpen.failover.soakMinutes=N} changes the length.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@EnabledIfSystemProperty(named = "jpen.failover.full", matches = "true")
class SoakTest {
    private JpenCluster c;

    @BeforeAll
    void up() throws Exception {
        Privileges.requireNetworkAdmin();
        c = JpenCluster.start("soak", new JpenCluster.Setup(2, true, "majority", 1, List.of()));
    }

    @AfterAll
    void down() {
        if (c != null) {
            c.close();
        }
        Report.print();
    }

    @Test
    void noSpuriousFailoverInTenMinutesAtFullLoad() throws Exception {
        Figures f = Scenarios.soak(c, Duration.ofMinutes(Long.getLong("jpen.failover.soakMinutes", 10)));
        SoftAssertions soft = new SoftAssertions();
        soft.assertThat(f.extra().get("VIP moves")).as("VIP moves during the soak").isEqualTo("0");
        soft.assertThat(f.failed()).as("failed attempts during the soak").isZero();
        soft.assertThat(f.lostFailed() + f.lostSurvivors()).as("connections cut during the soak").isZero();
        soft.assertAll();
    }
}
