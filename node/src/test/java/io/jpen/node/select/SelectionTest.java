package io.jpen.node.select;

import io.jpen.node.acl.AccessList;
import io.jpen.node.acl.AclEntry;
import io.jpen.node.affinity.ClientKey;
import io.jpen.node.affinity.LocalClientTable;
import io.jpen.node.config.LocalSettingsStore;
import io.jpen.node.config.ServerId;
import io.jpen.node.config.ServerSpec;
import io.jpen.node.config.Settings;
import io.jpen.node.health.LocalHealthBoard;
import io.jpen.node.stats.ServerCounterTable;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Pen's selection order and failover, on the real balancer with local state and a controlled clock
 * (pen-behaviour.md section 2).
 */
class SelectionTest {
    private final AtomicLong clock = new AtomicLong(1_000_000);
    private LocalSettingsStore store;
    private LocalClientTable clients;
    private LocalHealthBoard health;
    private ServerCounterTable counters;
    private Balancer balancer;

    private void setUp(int servers, Consumer<Settings.Builder> tweak) {
        Settings.Builder b = new Settings.Builder();
        for (int i = 0; i < servers; i++) {
            b.addServer(ServerSpec.parse("127.0.0.1:" + (9001 + i), 0));
        }
        tweak.accept(b);
        store = new LocalSettingsStore(b.build());
        clients = new LocalClientTable(2048, 0);
        health = new LocalHealthBoard();
        counters = new ServerCounterTable();
        balancer = new Balancer(store, clients, health, counters, clock::get);
    }

    private static ClientKey client(int n) {
        return ClientKey.of(new byte[]{127, 0, 0, (byte) n});
    }

    /** Runs a whole connection: first pick, failing the connect to any slot in {@code down}; returns the slot used. */
    private int connect(int clientN, int... down) {
        Route r = balancer.route(client(clientN), 40000);
        Target t = r.first();
        while (t != null && contains(down, t.slot())) {
            t = r.failed(t, "test");
        }
        if (t == null) {
            return -3;
        }
        r.connected(t);
        r.closed(t, 0, 0);
        return t.slot();
    }

    private static boolean contains(int[] a, int v) {
        for (int x : a) {
            if (x == v) {
                return true;
            }
        }
        return false;
    }

    private ServerId id(int slot) {
        return store.current().servers.get(slot).id();
    }

    @Test
    void roundRobinStartsAtServerOneLikePen() {
        setUp(3, b -> { });
        assertThat(List.of(connect(1), connect(2), connect(3), connect(4))).containsExactly(1, 2, 0, 1);
    }

    @Test
    void aKnownClientReturnsToItsServer() {
        setUp(3, b -> { });
        int first = connect(9);
        connect(10);
        connect(11);
        assertThat(connect(9)).isEqualTo(first);
    }

    @Test
    void roundrobinModeIgnoresTheClientTable() {
        setUp(2, b -> b.roundrobin = true);
        assertThat(List.of(connect(9), connect(9), connect(9))).containsExactly(1, 0, 1);
    }

    @Test
    void hashUsesPensLittleEndianFormula() {
        setUp(3, b -> b.hash = true);
        for (int x = 2; x <= 8; x++) {
            assertThat(connect(x)).as("127.0.0.%d", x).isEqualTo((1 + x) % 3);
        }
    }

    @Test
    void hashWithRoundrobinMixesInTheSourcePort() {
        byte[] a = {127, 0, 0, 1};
        assertThat(HashSelector.hash(a, 0x1234)).isEqualTo(HashSelector.hash(a, -1) ^ 0x3412);
    }

    @Test
    void weightPicksTheLeastLoadedRelativeToWeight() {
        setUp(2, b -> {
            b.weight = true;
            b.server(0, b.server(0).withWeight(1));
            b.server(1, b.server(1).withWeight(3));
        });
        // hold connections open: loads 256*c/w
        List<Integer> picks = new java.util.ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Route r = balancer.route(client(100 + i), 1);
            Target t = r.first();
            r.connected(t);
            picks.add(t.slot());
        }
        assertThat(picks).containsExactly(0, 1, 1, 1);
    }

    @Test
    void weightWithoutWeightsFindsNoServer() {
        setUp(2, b -> b.weight = true);
        assertThat(connect(1)).isEqualTo(-3);
    }

    @Test
    void prioPicksTheLowestAvailablePrio() {
        setUp(3, b -> {
            b.prio = true;
            b.server(0, b.server(0).withPrio(2));
            b.server(1, b.server(1).withPrio(1));
            b.server(2, b.server(2).withPrio(1));
        });
        assertThat(connect(1)).isEqualTo(1);
        assertThat(connect(2, 1)).as("server 1 down: prio 1 tie goes to slot 2? no: failover is index order").isEqualTo(2);
        assertThat(connect(3)).as("1 is blacklisted now").isEqualTo(2);
    }

    @Test
    void prioBeatsWeightBeatsHash() {
        setUp(2, b -> {
            b.hash = true;
            b.weight = true;
            b.prio = true;
        });
        assertThat(ServerPool.chooseSelector(store.current(), new RoundRobinSelector())).isSameAs(PrioSelector.INSTANCE);
    }

    @Test
    void aFailedConnectBlacklistsAndFailsOverInIndexOrder() {
        setUp(4, b -> b.hash = true);
        // 127.0.0.2 hashes to (1+2)%4 = 3; 3 fails -> 0
        assertThat(connect(2, 3)).isEqualTo(0);
        assertThat(balancer.isBlacklisted(id(3))).isTrue();
        // and the client moved for good to 0
        assertThat(clients.peek(client(2))).isEqualTo(id(0));
    }

    @Test
    void aBlacklistedServerComesBackWhenTheBlacklistTimeIsOver() {
        setUp(2, b -> b.blacklistSeconds = 30);
        connect(1, 1);
        assertThat(balancer.isBlacklisted(id(1))).isTrue();
        clock.addAndGet(29_000);
        assertThat(balancer.isBlacklisted(id(1))).isTrue();
        clock.addAndGet(1_001);
        assertThat(balancer.isBlacklisted(id(1))).isFalse();
    }

    @Test
    void stubbornClosesInsteadOfFailingOver() {
        setUp(2, b -> {
            b.stubborn = true;
            b.emergency = ServerSpec.parseSpecial("127.0.0.1:9999", 0);
        });
        assertThat(connect(1, 1)).isEqualTo(-3);
    }

    @Test
    void whenEveryServerFailsTheEmergencyServerIsUsedAndTheClientIsForgotten() {
        setUp(2, b -> b.emergency = ServerSpec.parseSpecial("127.0.0.1:9999", 0));
        assertThat(connect(1, 0, 1)).isEqualTo(Target.EMERGENCY);
        assertThat(clients.peek(client(1))).isNull();
    }

    @Test
    void whenEveryServerFailsWithoutEmergencyTheClientIsClosed() {
        setUp(2, b -> { });
        assertThat(connect(1, 0, 1)).isEqualTo(-3);
        assertThat(connect(2)).as("both blacklisted").isEqualTo(-3);
    }

    @Test
    void softLimitAppliesToEveryoneHardLimitLetsReturningClientsIn() {
        setUp(2, b -> {
            b.prio = true; // both prio 0: the pick is always slot 0, so limits decide
            b.server(0, b.server(0).withMaxConnections(1).withHard(2));
        });
        Target first = open(1);
        assertThat(first.slot()).isEqualTo(0);
        assertThat(open(2).slot()).as("new client over the soft limit fails over").isEqualTo(1);
        assertThat(open(1).slot()).as("returning client may use the room up to hard").isEqualTo(0);
        assertThat(open(1).slot()).as("at the hard limit even a returning client fails over").isEqualTo(1);
    }

    /** Opens a connection and keeps it open (its slot stays taken). */
    private Target open(int clientN) {
        Route r = balancer.route(client(clientN), 1);
        Target t = r.first();
        r.connected(t);
        return t;
    }

    @Test
    void deniedClientsGoToTheAbuseServer() {
        setUp(2, b -> {
            b.acl(1, new AccessList(List.of(AclEntry.parse("deny", "127.0.0.7", null), AclEntry.parse("permit", "0.0.0.0", "0.0.0.0"))));
            b.clientAcl = 1;
            b.abuse = ServerSpec.parseSpecial("127.0.0.1:9998", 0);
        });
        assertThat(connect(7)).isEqualTo(Target.ABUSE);
        assertThat(connect(6)).isBetween(0, 1);
    }

    @Test
    void deniedClientsWithoutAbuseServerGoToTheEmergencyServerAsInPen() {
        setUp(2, b -> {
            b.acl(1, new AccessList(List.of(AclEntry.parse("permit", "127.0.0.2", null))));
            b.clientAcl = 1;
            b.emergency = ServerSpec.parseSpecial("127.0.0.1:9999", 0);
        });
        assertThat(connect(7)).isEqualTo(Target.EMERGENCY);
    }

    @Test
    void deniedClientsWithNeitherAreClosed() {
        setUp(2, b -> {
            b.acl(1, new AccessList(List.of(AclEntry.parse("permit", "127.0.0.2", null))));
            b.clientAcl = 1;
        });
        assertThat(connect(7)).isEqualTo(-3);
        assertThat(connect(2)).isBetween(0, 1);
    }

    @Test
    void aServerAclSkipsThatServerForDeniedClients() {
        setUp(2, b -> {
            b.roundrobin = true;
            b.acl(2, new AccessList(List.of(AclEntry.parse("permit", "127.0.0.5", null))));
            b.server(1, b.server(1).withAcl(2));
        });
        assertThat(List.of(connect(4), connect(4), connect(4), connect(4))).containsOnly(0);
        assertThat(List.of(connect(5), connect(5))).containsExactlyInAnyOrder(0, 1);
    }

    @Test
    void aBlacklistTimeOfZeroNeverSpinsOnFailover() {
        setUp(3, b -> b.blacklistSeconds = 0);
        assertThat(connect(1, 0, 1, 2)).isEqualTo(-3);
    }
}
