package io.jpen.bench;

import io.jpen.node.acl.AccessList;
import io.jpen.node.acl.AclEntry;
import io.jpen.node.affinity.ClientKey;
import io.jpen.node.affinity.LocalClientTable;
import io.jpen.node.config.LocalSettingsStore;
import io.jpen.node.config.ServerSpec;
import io.jpen.node.config.Settings;
import io.jpen.node.health.LocalHealthBoard;
import io.jpen.node.select.Balancer;
import io.jpen.node.select.Route;
import io.jpen.node.select.Target;
import io.jpen.node.stats.ServerCounterTable;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One whole selection per operation, for each algorithm, on the real balancer: client-table visit, algorithm,
 * limit check and slot reservation, release. New clients each time (so the algorithm runs, not the table hit).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class SelectionBench {
    @Param({"roundrobin", "hash", "weight", "prio"})
    String algorithm;

    @Param({"4", "32"})
    int servers;

    private Balancer balancer;
    private ClientKey[] clients;
    private int i;

    @Setup
    public void setUp() {
        Settings.Builder b = new Settings.Builder();
        for (int k = 0; k < servers; k++) {
            b.addServer(ServerSpec.parse("127.0.0.1:" + (9000 + k), 0).withWeight(1 + k % 3).withPrio(k % 2));
        }
        b.roundrobin = true; // the table is not consulted: the algorithm decides every time
        switch (algorithm) {
            case "hash" -> b.hash = true;
            case "weight" -> b.weight = true;
            case "prio" -> b.prio = true;
            default -> { }
        }
        balancer = new Balancer(new LocalSettingsStore(b.build()), new LocalClientTable(2048, 0), new LocalHealthBoard(),
                new ServerCounterTable(), System::currentTimeMillis);
        clients = new ClientKey[1024];
        for (int k = 0; k < clients.length; k++) {
            clients[k] = ClientKey.of(new byte[]{10, 0, (byte) (k >> 8), (byte) k});
        }
    }

    @Benchmark
    public int select() {
        Route r = balancer.route(clients[i++ & 1023], 40000 + (i & 1023));
        Target t = r.first();
        r.closed(t, 0, 0);
        return t.slot();
    }

    /** ACL matching: a 10-rule list where the client matches the last rule. */
    @State(Scope.Thread)
    public static class AclState {
        AccessList list;
        byte[] client = {10, 9, 9, 9};

        @Setup
        public void setUp() {
            List<AclEntry> rules = new ArrayList<>();
            for (int k = 0; k < 9; k++) {
                rules.add(AclEntry.parse("deny", "192.168." + k + ".0", "255.255.255.0"));
            }
            rules.add(AclEntry.parse("permit", "10.0.0.0", "255.0.0.0"));
            list = new AccessList(rules);
        }
    }

    @Benchmark
    public boolean aclTenRules(AclState s) {
        return s.list.permits(s.client);
    }
}
