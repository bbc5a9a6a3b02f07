package io.jpen.cluster.state;

import com.hazelcast.core.HazelcastInstanceNotActiveException;
import io.jpen.cluster.state.SharedValues.ClientEntry;
import io.jpen.cluster.state.SharedValues.HealthEntry;
import io.jpen.cluster.state.SharedValues.SettingsEntry;
import io.jpen.cluster.state.Update.ClientAssigned;
import io.jpen.cluster.state.Update.ClientForgotten;
import io.jpen.cluster.state.Update.ClientSeen;
import io.jpen.cluster.state.Update.HealthChanged;
import io.jpen.node.config.Settings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * Carries local changes to the cluster: a bounded queue that any thread offers to without ever blocking (full ⇒ the
 * update is counted and dropped), drained by one thread of its own that writes to the shared maps.
 *
 * <p>The writer takes whatever has queued up (at most {@value #BATCH} updates, after a linger of 2 ms when it woke up
 * for a single one), keeps the last update per key, drops last-seen refreshes that come sooner than the refresh
 * interval per client, starts all writes of the batch asynchronously and waits for them before the next batch, so
 * that writes for one key stay in order. Under light load an update goes out within a few ms; under heavy load
 * batches grow and a client's updates collapse into one.
 * While no member is up (start, restart) updates wait in the queue, and a batch the member could not take because it
 * shut down under it is written to the next member; writes that fail otherwise are counted, not retried.
 */
final class UpdateWriter implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger("jpen.cluster");
    static final int BATCH = 1024;
    private static final long WRITE_TIMEOUT_MILLIS = 30_000;
    private static final long LINGER_NANOS = 2_000_000;

    /** Where the writes go while a member is up. */
    record Sink(SharedMaps maps, String origin, SettingsReplica settings, Supplier<Settings> current) {
    }

    private final BlockingQueue<Update> queue;
    private final ClusterStats stats;
    private volatile String label;
    private final Thread thread;
    private final AtomicBoolean overflowing = new AtomicBoolean();
    private final Object sinkLock = new Object();
    private volatile Sink sink;
    private volatile boolean closed;
    /** TTL of shared client entries in ms (0 = none): the tracking time plus a margin for refresh delays. */
    private volatile long clientTtlMillis;
    private final long configuredRefreshMillis;
    private volatile long refreshMillis;
    private volatile int refreshMemory = 4096;
    private volatile boolean busy;
    private boolean failing;

    /** Writer thread only: a batch the member could not take because it went away, for the next member. */
    private final List<Update> carried = new ArrayList<>();

    /** Writer thread only: when each client's last-seen time was last published, least recent first. */
    private final LinkedHashMap<String, Long> published = new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
            return size() > refreshMemory;
        }
    };

    UpdateWriter(int capacity, int refreshSeconds, ClusterStats stats, String label) {
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.stats = stats;
        this.label = label;
        this.configuredRefreshMillis = refreshSeconds * 1000L;
        this.refreshMillis = configuredRefreshMillis > 0 ? configuredRefreshMillis : 60_000;
        this.thread = new Thread(this::run, "jpen-cluster-writer");
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** The node name in log lines (known only once the node starts). */
    void label(String l) {
        label = l;
    }

    /** Queues an update; never blocks. Returns false (and counts the drop) when the queue is full. */
    boolean offer(Update u) {
        if (queue.offer(u)) {
            return true;
        }
        stats.dropped.increment();
        if (overflowing.compareAndSet(false, true)) {
            log.warn("cluster[{}]: write queue full ({} updates): dropping updates until it drains", label,
                    queue.size());
        }
        return false;
    }

    /**
     * The client table's limits changed: returning clients are refreshed often enough for the tracking time (see
     * {@code cluster_refresh}), and entries expire in the shared store a little after it.
     */
    void tracking(int capacity, long trackingMillis) {
        long auto = trackingMillis > 0 ? Math.min(60_000, Math.max(1000, trackingMillis / 4)) : 60_000;
        refreshMillis = configuredRefreshMillis > 0 ? configuredRefreshMillis : auto;
        clientTtlMillis = trackingMillis > 0 ? trackingMillis + 2 * refreshMillis + 10_000 : 0;
        refreshMemory = Math.max(1024, capacity);
    }

    /** Starts writing to {@code s} (a member is up and the state is synchronised). */
    void attach(Sink s) {
        synchronized (sinkLock) {
            sink = s;
            sinkLock.notifyAll();
        }
    }

    /** Stops writing (the member is gone); updates wait in the queue until the next {@link #attach}. */
    void detach() {
        sink = null;
    }

    /** The current refresh interval for returning clients (ms). */
    long refreshMillis() {
        return refreshMillis;
    }

    /** True while a member is up and updates are being written. */
    boolean attached() {
        return sink != null;
    }

    int queued() {
        return queue.size();
    }

    int capacity() {
        return queue.size() + queue.remainingCapacity();
    }

    /** Waits up to {@code millis} for the queue to drain (a planned stop); true if it did. */
    boolean flush(long millis) {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while ((!queue.isEmpty() || busy) && sink != null && System.nanoTime() < end) {
            synchronized (sinkLock) {
                try {
                    sinkLock.wait(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
        }
        return queue.isEmpty() && !busy;
    }

    @Override
    public void close() {
        closed = true;
        synchronized (sinkLock) {
            sinkLock.notifyAll();
        }
        thread.interrupt();
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        List<Update> batch = new ArrayList<>(BATCH);
        while (!closed) {
            Sink s = awaitSink();
            if (s == null) {
                return;
            }
            try {
                if (carried.isEmpty()) {
                    Update first = queue.poll(200, TimeUnit.MILLISECONDS);
                    if (first == null) {
                        continue;
                    }
                    batch.add(first);
                    if (queue.isEmpty()) {
                        // a short linger lets a burst gather into one batch: fewer wake-ups under a steady trickle
                        LockSupport.parkNanos(LINGER_NANOS);
                    }
                } else {
                    batch.addAll(carried);
                    carried.clear();
                }
                busy = true;
                queue.drainTo(batch, Math.max(0, BATCH - batch.size()));
                if (!write(s, coalesce(batch))) {
                    carried.addAll(batch); // the member went away under us: write these to the next one
                    synchronized (sinkLock) {
                        if (sink == s) {
                            sink = null;
                        }
                    }
                }
            } catch (InterruptedException e) {
                if (closed) {
                    return;
                }
            } catch (RuntimeException e) {
                stats.failed.add(batch.size());
                failing(e);
            } finally {
                batch.clear();
                busy = false;
            }
            if (queue.isEmpty() && overflowing.compareAndSet(true, false)) {
                log.info("cluster[{}]: write queue drained; {} updates dropped so far", label, stats.dropped.sum());
            }
        }
    }

    private Sink awaitSink() {
        synchronized (sinkLock) {
            while (sink == null && !closed) {
                try {
                    sinkLock.wait(500);
                } catch (InterruptedException e) {
                    if (closed) {
                        return null;
                    }
                }
            }
            return closed ? null : sink;
        }
    }

    /** The last update per key, a refresh folded into an assignment of the same server, stale refreshes dropped. */
    private Collection<Update> coalesce(List<Update> batch) {
        LinkedHashMap<String, Update> last = new LinkedHashMap<>();
        for (Update u : batch) {
            last.merge(u.key(), u, UpdateWriter::merge);
        }
        last.values().removeIf(u -> u instanceof ClientSeen seen && !refreshDue(seen));
        return last.values();
    }

    private static Update merge(Update earlier, Update later) {
        if (later instanceof ClientSeen seen) {
            if (earlier instanceof ClientAssigned a && a.server().equals(seen.server())) {
                return new ClientAssigned(a.client(), a.server(), Math.max(a.at(), seen.at()));
            }
            if (earlier instanceof ClientSeen s && s.server().equals(seen.server())) {
                return s.at() >= seen.at() ? s : seen;
            }
        }
        return later;
    }

    private boolean refreshDue(ClientSeen seen) {
        Long last = published.get(seen.key());
        if (last != null && seen.at() - last < refreshMillis) {
            return false;
        }
        published.put(seen.key(), seen.at());
        return true;
    }

    /**
     * Writes one coalesced batch and waits for it. Returns false, counting nothing, if the member is no longer active
     * (the caller keeps the batch for the next member); other failures are counted and logged.
     */
    private boolean write(Sink s, Collection<Update> updates) throws InterruptedException {
        List<CompletableFuture<?>> pending = new ArrayList<>(updates.size());
        List<SettingsEntry> settings = new ArrayList<>(1);
        long ttl = clientTtlMillis;
        try {
            for (Update u : updates) {
                CompletionStage<?> op = start(s, u, ttl, settings);
                if (op != null) {
                    pending.add(op.toCompletableFuture());
                }
            }
        } catch (HazelcastInstanceNotActiveException e) {
            settings.forEach(s.settings()::publishFailed);
            return false;
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WRITE_TIMEOUT_MILLIS);
        Throwable firstError = null;
        int errors = 0;
        boolean inactive = false;
        for (CompletableFuture<?> f : pending) {
            try {
                f.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                stats.written.increment();
            } catch (ExecutionException | TimeoutException e) {
                inactive |= e.getCause() instanceof HazelcastInstanceNotActiveException;
                errors++;
                firstError = firstError == null ? e : firstError;
            }
        }
        if (errors > 0) {
            settings.forEach(s.settings()::publishFailed);
            if (inactive) {
                return false;
            }
            stats.failed.add(errors);
            failing(firstError);
        } else if (failing) {
            failing = false;
            log.info("cluster[{}]: writes to the cluster succeed again", label);
        }
        return true;
    }

    /** Starts the map operation for one update; null if there is nothing to write. */
    private CompletionStage<?> start(Sink s, Update u, long ttl, List<SettingsEntry> settings) {
        if (u instanceof ClientAssigned a) {
            published.put(a.key(), a.at());
            String v = new ClientEntry(a.at(), a.server().value(), s.origin()).encode();
            return ttl > 0 ? s.maps().clients().setAsync(a.client().toString(), v, ttl, TimeUnit.MILLISECONDS)
                    : s.maps().clients().setAsync(a.client().toString(), v);
        }
        if (u instanceof ClientSeen seen) {
            return s.maps().clients().submitToKey(seen.client().toString(),
                    new RefreshLastSeen(seen.server().value(), seen.at(), s.origin(), ttl));
        }
        if (u instanceof ClientForgotten f) {
            published.remove(f.key());
            return s.maps().clients().deleteAsync(f.client().toString());
        }
        if (u instanceof HealthChanged h) {
            return h.status() == 0 ? s.maps().health().deleteAsync(h.server().value())
                    : s.maps().health().setAsync(h.server().value(),
                    new HealthEntry(h.status(), s.origin(), h.reason()).encode());
        }
        SettingsEntry e = s.settings().publication(s.current().get(), System.currentTimeMillis());
        if (e == null) {
            return null;
        }
        settings.add(e);
        return s.maps().settings().setAsync(SharedMaps.SETTINGS_KEY, e.encode());
    }

    private void failing(Throwable e) {
        if (!failing) {
            failing = true;
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            log.warn("cluster[{}]: writes to the cluster fail ({}); the node goes on with its local state", label,
                    cause.toString());
        }
    }
}
