package io.jpen.cluster.leader;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Split brain and its healing, with JGroups' DISCARD cutting members apart (FD_ALL3 + VERIFY_SUSPECT detect it, MERGE3
 * heals it). In-JVM, loopback.
 */
class LeaderPartitionTest {
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

    /** Time stamp (ns) of the first log line of {@code node} running {@code script} after {@code since}. */
    private Optional<Long> first(String node, String script, long since) {
        return g.scriptLog().stream().map(l -> l.split(" "))
                .filter(p -> p[1].equals(node) && p[2].equals(script) && Long.parseLong(p[0]) > since)
                .map(p -> Long.parseLong(p[0])).findFirst();
    }

    private static long wallNanos() {
        java.time.Instant i = java.time.Instant.now();
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }

    @Test
    void withoutQuorumBothHalvesHoldAndAfterTheHealOnlyTheLastTakerKeepsItAndAnnouncesIt() {
        var n0 = g.start(0);
        await().atMost(Duration.ofSeconds(10)).until(() -> g.masters(V).equals(List.of("n0")));
        var n1 = g.start(1);
        g.awaitView();

        g.partition(List.of(n0), List.of(n1));
        await().atMost(Duration.ofSeconds(5)).until(() -> g.masters(V).equals(List.of("n0", "n1")));

        long healed = wallNanos();
        g.heal();
        await().atMost(Duration.ofSeconds(10)).until(() -> g.masters(V).equals(List.of("n1")));
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5)).until(() -> g.masters(V).equals(List.of("n1")));
        assertThat(first("n0", "vip-down", healed)).as("the earlier holder lets go").isPresent();
        assertThat(first("n1", "vip-garp", healed)).as("the keeper announces itself again").isPresent();
        assertThat(first("n0", "vip-garp", healed)).as("the loser never announces").isEmpty();
        assertThat(first("n1", "vip-up", healed)).as("no second move").isEmpty();
    }

    @Test
    void withAWitnessTheCutOffHolderLetsGoBeforeTheMajorityTakesOverAndTheHealMovesNothing() {
        g.set("vip_quorum", "majority");
        var n0 = g.start(0);
        var n1 = g.start(1);
        var w2 = g.start(2, "vip_witness", "true");
        g.awaitView();
        await().atMost(Duration.ofSeconds(10)).until(() -> g.masters(V).equals(List.of("n0")));

        long cut = wallNanos();
        g.partition(List.of(n0), List.of(n1, w2));
        await().atMost(Duration.ofSeconds(5)).until(() -> g.masters(V).equals(List.of("n1")));
        long down = first("n0", "vip-down", cut).orElseThrow();
        long up = first("n1", "vip-up", cut).orElseThrow();
        assertThat(down).as("n0 dropped the VIP (%d ms after the cut) before n1 took it (%d ms after the cut)",
                (down - cut) / 1_000_000, (up - cut) / 1_000_000).isLessThan(up);

        long healed = wallNanos();
        g.heal();
        g.awaitView();
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5)).until(() -> g.masters(V).equals(List.of("n1")));
        assertThat(first("n0", "vip-up", healed)).as("the returning node does not take it back").isEmpty();
        assertThat(n0.state(V)).isEqualTo("BACKUP");
    }

    @Test
    void cuttingOffOnlyTheWitnessChangesNothing() {
        g.set("vip_quorum", "majority");
        var n0 = g.start(0);
        var n1 = g.start(1);
        var w2 = g.start(2, "vip_witness", "true");
        g.awaitView();
        await().atMost(Duration.ofSeconds(10)).until(() -> g.masters(V).equals(List.of("n0")));
        long cut = wallNanos();
        g.partition(List.of(n0, n1), List.of(w2));
        await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(5)).until(() -> g.masters(V).equals(List.of("n0")));
        assertThat(first("n0", "vip-down", cut)).isEmpty();
    }
}
