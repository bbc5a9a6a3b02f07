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
 * A node whose readiness checks do not pass (its shared client table is still loading) is not given a VIP while a
 * ready node can hold it, and takes one when it is the only node left. In-JVM, loopback.
 */
class LeaderReadinessTest {
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
    void aFailedHoldersVipGoesToAReadyNodeAndToOneStillLoadingOnlyWhenNoOtherIsLeft() {
        g.start(0);
        LeaderGroup.Member n1 = g.start(1, List.of("shared state loaded"));
        g.start(2);
        g.awaitView();
        await().atMost(Duration.ofSeconds(15)).until(() -> g.masters("VI_1").equals(List.of("n0")));
        assertThat(g.member("n1").service.snapshot().members()).anyMatch(m -> m.name().equals("n1")
                && m.role().equals("not-ready(shared-state-loaded)"));

        g.stop("n0");
        // n1 is older than n2 and would win a tie: it is not ready, n2 is
        await().atMost(Duration.ofSeconds(10)).until(() -> g.masters("VI_1").equals(List.of("n2")));
        assertThat(g.calls("n1")).noneMatch(c -> c.startsWith("vip-up"));

        g.stop("n2");
        // the only node left: serving without the whole table beats not serving
        await().atMost(Duration.ofSeconds(10)).until(() -> g.masters("VI_1").equals(List.of("n1")));
        assertThat(n1.service.snapshot().transitions()).anyMatch(t -> t.toString().contains("taken while not ready"));
    }
}
