package io.jpen.cluster.state;

import java.util.concurrent.atomic.LongAdder;

/** Counters for the {@code cluster} command. Thread-safe; incremented from any thread without blocking. */
final class ClusterStats {
    /** Updates dropped because the write queue was full. */
    final LongAdder dropped = new LongAdder();
    /** Map operations completed. */
    final LongAdder written = new LongAdder();
    /** Map operations that failed (member shutting down, timeout...). */
    final LongAdder failed = new LongAdder();
    /** Changes from the cluster applied to the local state. */
    final LongAdder applied = new LongAdder();
    /** Change events dropped because the apply queue was full (a resync follows). */
    final LongAdder eventsDropped = new LongAdder();
    /** Full reloads of the shared state (join, merge, lost events). */
    final LongAdder resyncs = new LongAdder();
    /** Peers' connect-failure blacklistings checked by a connect from this node. */
    final LongAdder reportsChecked = new LongAdder();
    /** Of those, lifted on this node because the connect succeeded. */
    final LongAdder reportsLifted = new LongAdder();
}
