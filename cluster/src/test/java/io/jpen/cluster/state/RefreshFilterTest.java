package io.jpen.cluster.state;

import io.jpen.node.affinity.ClientKey;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RefreshFilterTest {

    private static ClientKey c(int i) {
        return ClientKey.of(new byte[] {10, 8, (byte) (i >> 8), (byte) i});
    }

    @Test
    void aReturningClientIsRefreshedOncePerInterval() {
        RefreshFilter f = new RefreshFilter(1000);
        assertThat(f.due(c(1), 10_000)).isTrue();
        assertThat(f.due(c(1), 10_500)).isFalse();
        assertThat(f.due(c(1), 11_000)).isTrue();
        assertThat(f.due(c(2), 11_000)).as("another client").isTrue();
    }

    @Test
    void neighbouringClientsDoNotKeepEachOtherFromBeingFiltered() {
        RefreshFilter f = new RefreshFilter(60_000);
        int queued = 0;
        for (int round = 0; round < 10; round++) {
            for (int i = 0; i < 1000; i++) {
                queued += f.due(c(i), 1000 + round) ? 1 : 0;
            }
        }
        assertThat(queued).as("1000 clients, 10 visits each").isLessThan(1100);
    }

    @Test
    void aClientIsNeverKeptFromItsRefreshByAnother() {
        RefreshFilter f = new RefreshFilter(1000);
        for (int i = 0; i < 100_000; i++) {
            f.due(c(i % 40_000), 0);
        }
        assertThat(f.due(c(7), 1000)).isTrue();
    }
}
