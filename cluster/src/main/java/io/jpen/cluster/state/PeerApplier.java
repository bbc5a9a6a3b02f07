package io.jpen.cluster.state;

import com.hazelcast.core.EntryEvent;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryMergedListener;
import com.hazelcast.map.listener.EntryRemovedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import io.jpen.cluster.state.SharedValues.ClientEntry;
import io.jpen.cluster.state.SharedValues.HealthEntry;
import io.jpen.cluster.state.SharedValues.SettingsEntry;
import io.jpen.node.affinity.ClientKey;
import io.jpen.node.affinity.ClientTable;
import io.jpen.node.affinity.LocalClientTable;
import io.jpen.node.config.ConfigException;
import io.jpen.node.config.ServerId;
import io.jpen.node.config.Settings;
import io.jpen.node.control.CommandInterpreter;
import io.jpen.node.health.HealthBoard;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiFunction;
import java.util.function.Supplier;

/**
 * Applies what the cluster says to the node's local state, on one thread of its own: map events (handed over by
 * Hazelcast's event threads, which only queue them) and full reloads ({@link #resync}: on joining, after a merge,
 * after events were lost).
 *
 * <p>Events are applied in the order the map delivers them for their key. A node's own write comes back too; it is
 * skipped while the local table still holds that value (re-applying it would move the client in the LRU order), and
 * applied when a peer's write came in between, so that every node converges on the map's final value when two nodes
 * write the same key at once. Changes applied here go to the undecorated local state, so they are not published again.
 * Expiry and eviction in the shared map are not applied: they only clean the shared store, each node's table applies
 * {@code -c} and {@code -T} itself.
 *
 * <p>If the event queue overflows, events are counted and dropped and a resync follows.
 */
final class PeerApplier implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger("jpen.cluster");
    private static final int CAPACITY = 1 << 17;
    /**
     * A peer's blacklisting seen by this node more than this long after it happened is not applied. A connect
     * failure observed by a node that was cut off (its own link down, a partition) reaches the others only after
     * the heal, late, and says more about that node's network than about the backend; applying it would make every
     * node avoid healthy backends for the blacklist time. Operators' blacklistings (control) always apply.
     */
    static final long STALE_REPORT_MILLIS = 5_000;

    private sealed interface Event {
    }

    private record ClientChange(String client, String value) implements Event {
    }

    private record HealthChange(String server, String value) implements Event {
    }

    private record SettingsChange(String value) implements Event {
    }

    private record Resync(SharedMaps maps, String why, CompletableFuture<Void> done) implements Event {
    }

    private final ClientTable clients;
    private final HealthBoard health;
    private final ClusteredSettingsStore settings;
    private final SettingsReplica replica;
    private final Supplier<CommandInterpreter> interpreter;
    private final String origin;
    private final String label;
    private final ClusterStats stats;
    private final BlockingQueue<Event> queue = new ArrayBlockingQueue<>(CAPACITY);
    private final AtomicBoolean lostEvents = new AtomicBoolean();
    private final Thread thread;
    /** Checks each peer's automatic blacklisting from this node (a node cut off from the backends reports them all). */
    private final ReportVerifier verifier;
    private volatile SharedMaps maps;
    private volatile boolean closed;
    private volatile long lastResyncMillis = -1;
    private volatile int lastResyncClients;

    PeerApplier(ClientTable clients, HealthBoard health, ClusteredSettingsStore settings, SettingsReplica replica,
                Supplier<CommandInterpreter> interpreter, String origin, String label, ClusterStats stats) {
        this.clients = clients;
        this.health = health;
        this.settings = settings;
        this.replica = replica;
        this.interpreter = interpreter;
        this.origin = origin;
        this.label = label;
        this.stats = stats;
        this.verifier = new ReportVerifier(health, () -> settings.current().timeoutSeconds * 1000, label, stats);
        this.thread = new Thread(this::run, "jpen-cluster-apply");
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /**
     * Subscribes to the maps' changes, then reloads them completely; the returned stage completes (on the applier
     * thread) once the local state holds the cluster's.
     */
    CompletableFuture<Void> follow(SharedMaps m, String why) {
        maps = m;
        m.clients().addEntryListener(new Listener(ClientChange::new), true);
        m.health().addEntryListener(new Listener(HealthChange::new), true);
        m.settings().addEntryListener(new Listener((k, v) -> new SettingsChange(v)), true);
        return resync(m, why);
    }

    /** Queues a full reload of {@code m}. */
    CompletableFuture<Void> resync(SharedMaps m, String why) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        try {
            queue.put(new Resync(m, why, done)); // off Hazelcast's threads: may wait for room
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            done.completeExceptionally(e);
        }
        return done;
    }

    /** The member is gone: stop reloading from its maps. */
    void unfollow() {
        maps = null;
    }

    int queued() {
        return queue.size();
    }

    /** How long the last full reload took (ms; -1 before the first) and how many clients it brought. */
    long lastResyncMillis() {
        return lastResyncMillis;
    }

    int lastResyncClients() {
        return lastResyncClients;
    }

    @Override
    public void close() {
        closed = true;
        verifier.close();
        thread.interrupt();
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Hands Hazelcast's events to the applier thread; never blocks Hazelcast's event threads. */
    private final class Listener implements EntryAddedListener<String, String>, EntryUpdatedListener<String, String>,
            EntryRemovedListener<String, String>, EntryMergedListener<String, String> {
        private final BiFunction<String, String, Event> kind;

        Listener(BiFunction<String, String, Event> kind) {
            this.kind = kind;
        }

        @Override
        public void entryAdded(EntryEvent<String, String> e) {
            offer(kind.apply(e.getKey(), e.getValue()));
        }

        @Override
        public void entryUpdated(EntryEvent<String, String> e) {
            offer(kind.apply(e.getKey(), e.getValue()));
        }

        @Override
        public void entryRemoved(EntryEvent<String, String> e) {
            offer(kind.apply(e.getKey(), null));
        }

        @Override
        public void entryMerged(EntryEvent<String, String> e) {
            offer(kind.apply(e.getKey(), e.getValue()));
        }

        private void offer(Event ev) {
            if (!queue.offer(ev)) {
                stats.eventsDropped.increment();
                lostEvents.set(true);
            }
        }
    }

    private void run() {
        while (!closed) {
            try {
                Event e = queue.poll(500, TimeUnit.MILLISECONDS);
                if (e != null) {
                    apply(e);
                }
                SharedMaps m = maps;
                if (m != null && lostEvents.getAndSet(false)) {
                    log.warn("cluster[{}]: change events were lost ({} so far); reloading the shared state", label,
                            stats.eventsDropped.sum());
                    reload(m, "lost events");
                }
            } catch (InterruptedException e) {
                if (closed) {
                    return;
                }
            } catch (RuntimeException e) {
                log.warn("cluster[{}]: could not apply a change from the cluster", label, e);
            }
        }
    }

    private void apply(Event e) {
        if (e instanceof ClientChange c) {
            applyClient(c.client(), c.value());
        } else if (e instanceof HealthChange h) {
            applyHealth(h.server(), h.value());
        } else if (e instanceof SettingsChange s) {
            applySettings(s.value());
        } else if (e instanceof Resync r) {
            try {
                reload(r.maps(), r.why());
                r.done().complete(null);
            } catch (RuntimeException ex) {
                r.done().completeExceptionally(ex);
                throw ex;
            }
        }
    }

    private void applyClient(String key, String value) {
        ClientKey client;
        try {
            client = ClientKey.parse(key);
        } catch (IllegalArgumentException ex) {
            return; // not a client address: not ours
        }
        if (value == null) {
            clients.forget(client);
            stats.applied.increment();
            return;
        }
        ClientEntry entry = ClientEntry.decode(value);
        if (entry == null) {
            return;
        }
        ServerId server = new ServerId(entry.server());
        if (entry.origin().equals(origin) && clients instanceof LocalClientTable t && server.equals(t.peek(client))) {
            return; // our own write, already in force: applying it again would only disturb the LRU order
        }
        clients.assign(client, server, entry.lastSeen());
        stats.applied.increment();
    }

    private void applyHealth(String server, String value) {
        ServerId id = new ServerId(server);
        if (value == null) {
            health.setStatus(id, 0, "by a peer");
            stats.applied.increment();
            return;
        }
        HealthEntry entry = HealthEntry.decode(value);
        if (entry == null) {
            return;
        }
        if (entry.origin().equals(origin) && health.status(id) >= entry.status()) {
            return; // our own, and we have moved on since
        }
        if (!entry.origin().equals(origin) && isStaleObservation(entry, System.currentTimeMillis())) {
            log.info("cluster[{}]: server {}: ignored a late blacklisting by {} ({} s old: it was cut off then)", label,
                    server, entry.origin(), (System.currentTimeMillis() - entry.status()) / 1000);
            stats.applied.increment();
            return;
        }
        boolean peers = !entry.origin().equals(origin);
        health.setStatus(id, entry.status(), peers ? "by " + entry.origin() + ": " + entry.reason() : entry.reason());
        stats.applied.increment();
        if (peers && entry.status() != 0 && entry.reason().startsWith("connect")) {
            verifier.check(id, entry.status(), entry.origin()); // a TCP connect failure: checked by a TCP connect
        }
    }

    /** A blacklisting made by a connect failure or timeout, not by an operator (control). */
    private static boolean isObservation(HealthEntry entry) {
        return entry.status() != 0 && !entry.reason().startsWith("control");
    }

    /** A connect failure or timeout (not an operator's command) that happened long before we learn of it. */
    static boolean isStaleObservation(HealthEntry entry, long nowMillis) {
        return isObservation(entry) && nowMillis - entry.status() > STALE_REPORT_MILLIS;
    }

    private void applySettings(String value) {
        SettingsEntry entry = SettingsEntry.decode(value);
        if (entry == null || !replica.accept(entry)) {
            return;
        }
        try {
            Settings now = settings.applyFromPeer(entry, interpreter.get());
            replica.applied(now);
            stats.applied.increment();
            log.info("cluster[{}]: settings from {} applied", label, entry.origin());
        } catch (ConfigException ex) {
            log.error("cluster[{}]: settings from {} rejected, this node keeps its own: {}", label, entry.origin(),
                    ex.getMessage());
        }
    }

    /** Loads the whole shared state into the local one; publishes this node's settings if the cluster has none. */
    private void reload(SharedMaps m, String why) {
        long t0 = System.nanoTime();
        List<Map.Entry<String, ClientEntry>> all = new ArrayList<>();
        for (Map.Entry<String, String> e : m.clients().entrySet()) {
            ClientEntry c = ClientEntry.decode(e.getValue());
            if (c != null) {
                all.add(Map.entry(e.getKey(), c));
            }
        }
        // oldest first, so that a table smaller than the shared store keeps the most recent clients
        all.sort(Comparator.comparingLong(e -> e.getValue().lastSeen()));
        for (Map.Entry<String, ClientEntry> e : all) {
            applyClient(e.getKey(), e.getValue().encode());
        }
        int blacklisted = 0;
        for (Map.Entry<String, String> e : m.health().entrySet()) {
            applyHealth(e.getKey(), e.getValue());
            blacklisted++;
        }
        SettingsEntry mine = replica.candidate(settings.current(), System.currentTimeMillis());
        String theirs = m.settings().putIfAbsent(SharedMaps.SETTINGS_KEY, mine.encode());
        String settingsFrom = "this node";
        if (theirs == null) {
            replica.published(mine); // the first node of the cluster: its settings are the cluster's
        } else {
            SettingsEntry e = SettingsEntry.decode(theirs);
            settingsFrom = e == null ? "?" : e.origin();
            applySettings(theirs);
        }
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        lastResyncMillis = ms;
        lastResyncClients = all.size();
        stats.resyncs.increment();
        log.info("cluster[{}]: loaded the shared state ({}): {} clients, {} blacklist entries, settings of {}, in {} ms",
                label, why, all.size(), blacklisted, settingsFrom, ms);
    }
}
