package io.jpen.node.affinity;

import io.jpen.node.config.ServerId;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class LocalClientTableTest {
    private static final ServerId A = new ServerId("127.0.0.1:1");
    private static final ServerId B = new ServerId("127.0.0.1:2");

    private static ClientKey c(int n) {
        return ClientKey.of(new byte[]{127, 0, 0, (byte) n});
    }

    @Test
    void aClientReturnsToItsServerAndMovesForGoodOnReassign() {
        LocalClientTable t = new LocalClientTable(10, 0);
        assertThat(t.visit(c(1), 1000)).isNull();
        t.assign(c(1), A, 1000);
        assertThat(t.visit(c(1), 2000)).isEqualTo(A);
        t.assign(c(1), B, 2000);
        assertThat(t.visit(c(1), 3000)).isEqualTo(B);
    }

    @Test
    void theLeastRecentlySeenClientIsEvictedWhenFull() {
        LocalClientTable t = new LocalClientTable(2, 0);
        t.visit(c(1), 1);
        t.assign(c(1), A, 1);
        t.visit(c(2), 2);
        t.assign(c(2), B, 2);
        t.visit(c(1), 3); // client 1 seen again: client 2 is now the oldest
        t.visit(c(3), 4);
        assertThat(t.peek(c(2))).isNull();
        assertThat(t.peek(c(1))).isEqualTo(A);
        assertThat(t.size()).isEqualTo(2);
    }

    @Test
    void lookingUpCountingBytesAndForgettingDoNotChangeTheEvictionOrder() {
        LocalClientTable t = new LocalClientTable(2, 0);
        t.visit(c(1), 1);
        t.assign(c(1), A, 1);
        t.visit(c(2), 2);
        t.assign(c(2), B, 2);
        t.peek(c(1));
        t.addTraffic(c(1), 10, 10);
        t.assign(c(1), A, 1); // stamped before its last visit: not a newer sighting
        t.visit(c(3), 3);
        assertThat(t.snapshot()).extracting(r -> r.client().toString()).containsExactly("127.0.0.2", "127.0.0.3");
    }

    @Test
    void anAssignmentStampedLaterThanTheLastVisitCountsAsASighting() {
        LocalClientTable t = new LocalClientTable(2, 0);
        t.visit(c(1), 1);
        t.visit(c(2), 2);
        t.assign(c(1), A, 5); // e.g. another node saw client 1 at 5
        t.visit(c(3), 6);
        assertThat(t.peek(c(1))).isEqualTo(A);
        assertThat(t.peek(c(2))).isNull();
    }

    @Test
    void anEntryOlderThanTheTrackingTimeIsForgotten() {
        LocalClientTable t = new LocalClientTable(10, 5000);
        t.visit(c(1), 0);
        t.assign(c(1), A, 0);
        assertThat(t.visit(c(1), 4000)).isEqualTo(A);
        assertThat(t.visit(c(1), 9001)).isNull();
    }

    @Test
    void trackingZeroRemembersForever() {
        LocalClientTable t = new LocalClientTable(10, 0);
        t.visit(c(1), 0);
        t.assign(c(1), A, 0);
        assertThat(t.visit(c(1), Long.MAX_VALUE / 2)).isEqualTo(A);
    }

    @Test
    void shrinkingEvictsTheOldest() {
        LocalClientTable t = new LocalClientTable(10, 0);
        for (int i = 1; i <= 5; i++) {
            t.visit(c(i), i);
        }
        t.configure(2, 0);
        assertThat(t.snapshot()).extracting(r -> r.client().toString()).containsExactly("127.0.0.4", "127.0.0.5");
    }

    @Test
    void countsConnectsAndBytesForRecent() {
        LocalClientTable t = new LocalClientTable(10, 0);
        t.visit(c(1), 1);
        t.visit(c(1), 2);
        t.addTraffic(c(1), 100, 7);
        ClientTable.ClientRecord r = t.snapshot().get(0);
        assertThat(r.connects()).isEqualTo(2);
        assertThat(r.toClient()).isEqualTo(100);
        assertThat(r.fromClient()).isEqualTo(7);
    }

    @Test
    void ipv4MappedIpv6ClientsAreTheSameClient() {
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xff;
        mapped[11] = (byte) 0xff;
        mapped[12] = 127;
        mapped[15] = 1;
        assertThat(ClientKey.of(mapped)).isEqualTo(c(1));
    }
}
