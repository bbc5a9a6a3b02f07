package io.jpen.node.stats;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Live counters of one server slot: open upstream connections ({@code conn} in {@code servers}, also what the
 * soft/hard limits and the weight algorithm read) and bytes each way. Updated from any event loop.
 */
public final class ServerCounters {
    private final AtomicInteger connections = new AtomicInteger();
    /** bytes client to server ({@code sx}) */
    private final LongAdder sent = new LongAdder();
    /** bytes server to client ({@code rx}) */
    private final LongAdder received = new LongAdder();

    public int connections() {
        return connections.get();
    }

    /**
     * Takes one connection slot unless {@code limit} (0 = none) is reached. Check and increment are one atomic
     * step, so concurrent accepts cannot overshoot a limit.
     */
    public boolean tryAcquire(int limit) {
        while (true) {
            int c = connections.get();
            if (limit > 0 && c >= limit) {
                return false;
            }
            if (connections.compareAndSet(c, c + 1)) {
                return true;
            }
        }
    }

    public void release() {
        connections.updateAndGet(c -> c > 0 ? c - 1 : 0);
    }

    public void addSent(long n) {
        sent.add(n);
    }

    public void addReceived(long n) {
        received.add(n);
    }

    public long sent() {
        return sent.sum();
    }

    public long received() {
        return received.sum();
    }
}
