package io.jpen.cluster.state;

import io.jpen.cluster.state.SharedValues.HealthEntry;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A node that was cut off blacklists backends it could not reach; its reports arrive after the heal and must not
 * make the healthy nodes avoid those backends (found by the failover harness: a 9.5 s outage after a cable pull).
 */
class LateBlacklistingTest {
    private static final long NOW = 1_000_000_000L;

    @Test
    void aConnectFailureReportedLongAfterItHappenedIsNotApplied() {
        assertThat(PeerApplier.isStaleObservation(new HealthEntry(NOW - 9_000, "n2", "connect timeout"), NOW)).isTrue();
        assertThat(PeerApplier.isStaleObservation(new HealthEntry(NOW - 6_000, "n2", "connect failure: refused"), NOW)).isTrue();
    }

    @Test
    void aFreshConnectFailureIsApplied() {
        assertThat(PeerApplier.isStaleObservation(new HealthEntry(NOW - 300, "n2", "connect timeout"), NOW)).isFalse();
    }

    @Test
    void anOperatorsBlacklistingAlwaysApplies() {
        // 'server 1 blacklist 5' with a 30 s blacklist time is stamped 25 s in the past by design
        assertThat(PeerApplier.isStaleObservation(new HealthEntry(NOW - 25_000, "n2", "control: server 1 blacklist 5"), NOW)).isFalse();
    }

    @Test
    void aHealthCheckHoldStampedAheadApplies() {
        assertThat(PeerApplier.isStaleObservation(new HealthEntry(NOW + 86_400_000, "n2", "udp check: no reply to 2 probes"), NOW)).isFalse();
    }
}
