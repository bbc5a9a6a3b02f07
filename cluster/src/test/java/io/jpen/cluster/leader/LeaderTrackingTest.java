package io.jpen.cluster.leader;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * FAULT and recovery: a failing vip-up hands the VIP on, the listener and a check script (rise/fall) are tracked, and
 * notify scripts follow keepalived's order. In-JVM, loopback.
 */
class LeaderTrackingTest {
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
    void aFailingVipUpPutsTheNodeInFaultAndHandsTheVipOn() {
        g.set("vip_quorum", "2");
        g.failing("vip-up", "n0", true);
        var n0 = g.start(0, "vip_priority", "200");
        g.start(1, "vip_priority", "100");
        g.awaitView();
        await().atMost(Duration.ofSeconds(10)).until(() -> g.masters(V).equals(List.of("n1")));
        assertThat(g.calls("n0")).containsSubsequence("vip-up lo 10.78.200.1/32", "vip-down lo 10.78.200.1/32",
                "notify INSTANCE VI_1 FAULT 200");
        g.failing("vip-up", "n0", false);
        // after vip_fault_holddown n0 is a candidate again, but nopreempt leaves the VIP on n1
        await().atMost(Duration.ofSeconds(15)).until(() -> n0.state(V).equals("BACKUP"));
        assertThat(g.masters(V)).containsExactly("n1");
    }

    @Test
    void aListenerThatStopsAcceptingMovesTheVipAndItsReturnMakesTheNodeBackup() {
        var n0 = g.start(0);
        await().atMost(Duration.ofSeconds(10)).until(() -> g.masters(V).equals(List.of("n0")));
        g.start(1);
        g.awaitView();
        n0.listener.set(false);
        await().atMost(Duration.ofSeconds(5)).until(() -> g.masters(V).equals(List.of("n1")));
        assertThat(n0.state(V)).isEqualTo("FAULT");
        assertThat(n0.service.snapshot().health()).isEqualTo("listener not accepting");
        n0.listener.set(true);
        await().atMost(Duration.ofSeconds(5)).until(() -> n0.state(V).equals("BACKUP"));
        assertThat(g.masters(V)).containsExactly("n1");
    }

    @Test
    void aCheckScriptNeedsFallFailuresToFaultAndRiseSuccessesToRecover() throws Exception {
        Path sick = dir.resolve("sick-n0");
        g.set("vip_check_script", "test ! -e " + dir.resolve("sick-") + "$JPEN_NODE").set("vip_check_interval", "100ms")
                .set("vip_check_fall", "3").set("vip_check_rise", "3");
        var n0 = g.start(0);
        await().atMost(Duration.ofSeconds(10)).until(() -> g.masters(V).equals(List.of("n0")));
        g.start(1);
        g.awaitView();
        Files.writeString(sick, "");
        long t0 = System.nanoTime();
        await().atMost(Duration.ofSeconds(5)).until(() -> g.masters(V).equals(List.of("n1")));
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("three failures at 100 ms").isGreaterThanOrEqualTo(Duration.ofMillis(200));
        assertThat(n0.state(V)).isEqualTo("FAULT");
        Files.delete(sick);
        await().atMost(Duration.ofSeconds(5)).until(() -> n0.state(V).equals("BACKUP"));
    }

    @Test
    void notifyScriptsRunInKeepalivedsOrderAfterTheAddressChange() {
        g.set("vip_notify_master", dir.resolve("notify") + " hook-master");
        g.set("vip_notify_backup", dir.resolve("notify") + " hook-backup");
        var n0 = g.start(0);
        await().atMost(Duration.ofSeconds(10)).until(() -> g.masters(V).equals(List.of("n0")));
        g.start(1);
        g.awaitView();
        n0.listener.set(false);
        await().atMost(Duration.ofSeconds(5)).until(() -> g.masters(V).equals(List.of("n1")));
        n0.listener.set(true);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(g.calls("n0")).containsSubsequence(
                "notify hook-backup",
                "notify INSTANCE VI_1 BACKUP 100",
                "vip-up lo 10.78.200.1/32",
                "notify hook-master",
                "notify INSTANCE VI_1 MASTER 100",
                "vip-down lo 10.78.200.1/32",
                "notify INSTANCE VI_1 FAULT 100",
                "notify hook-backup",
                "notify INSTANCE VI_1 BACKUP 100"));
    }
}
