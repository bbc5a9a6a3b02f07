package io.jpen.bench;

import io.jpen.node.affinity.ClientKey;
import io.jpen.node.affinity.LocalClientTable;
import io.jpen.node.config.ServerId;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.util.concurrent.TimeUnit;

/** The client table on the hot path: a returning client's lookup, and a new client's insert (evicting the oldest). */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ClientTableBench {
    @Param({"2048", "1000000"})
    int entries;

    private LocalClientTable table;
    private ClientKey[] known;
    private ClientKey[] fresh;
    private final ServerId server = new ServerId("127.0.0.1:9000");
    private int i;
    private long now = 1;

    @Setup
    public void setUp() {
        table = new LocalClientTable(entries, 0);
        known = new ClientKey[entries];
        for (int k = 0; k < entries; k++) {
            known[k] = key(k);
            table.visit(known[k], now);
            table.assign(known[k], server, now);
        }
        fresh = new ClientKey[1 << 16];
        for (int k = 0; k < fresh.length; k++) {
            fresh[k] = key(entries + k);
        }
    }

    private static ClientKey key(int n) {
        return ClientKey.of(new byte[]{10, (byte) (n >> 16), (byte) (n >> 8), (byte) n});
    }

    /** A known client returns (hit): what every connection of a returning client pays. */
    @Benchmark
    public ServerId lookupHit() {
        return table.visit(known[(i++ & 0x7fffffff) % known.length], ++now);
    }

    /** A new client arrives in a full table: insert plus LRU eviction. */
    @Benchmark
    public ServerId insertEvict() {
        ClientKey k = fresh[i++ & (fresh.length - 1)];
        ServerId s = table.visit(k, ++now);
        table.assign(k, server, now);
        return s;
    }
}
