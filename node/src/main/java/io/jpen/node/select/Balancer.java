package io.jpen.node.select;

import io.jpen.node.affinity.ClientKey;
import io.jpen.node.affinity.ClientTable;
import io.jpen.node.config.ServerId;
import io.jpen.node.config.Settings;
import io.jpen.node.config.SettingsStore;
import io.jpen.node.health.HealthBoard;
import io.jpen.node.stats.ServerCounterTable;

import java.util.Collections;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Pen's server selection for a node: the shared state it reads (settings, client table, health) and the state it
 * keeps (round-robin cursor, connection counters). {@link #route} starts the selection for one client connection;
 * the returned {@link Route} walks Pen's order of checks and failover.
 *
 * <p>Threading: called from every event loop at once; holds no lock of its own. The server pool is rebuilt when
 * the settings snapshot changes (a reference comparison per connection).
 */
public final class Balancer {
    final SettingsStore settings;
    final ClientTable clients;
    final HealthBoard health;
    final ServerCounterTable counters;
    final LongSupplier clock;
    private final RoundRobinSelector roundRobin = new RoundRobinSelector();
    private volatile ServerPool pool;
    /** The slot most recently connected to (Pen's "current", shown on the status page). */
    private volatile int current;
    /** This node's own automatic blacklistings: server -> the stamp it set (see BlacklistRecheck). */
    private final Map<ServerId, Long> ownBlacklistings = new ConcurrentHashMap<>();

    /** @param clock wall-clock milliseconds (shared blacklist stamps and client ages are compared across nodes) */
    public Balancer(SettingsStore settings, ClientTable clients, HealthBoard health, ServerCounterTable counters,
                    LongSupplier clock) {
        this.settings = settings;
        this.clients = clients;
        this.health = health;
        this.counters = counters;
        this.clock = clock;
    }

    /** Starts selecting a server for a new connection from {@code client} (source port used by {@code -h -r}). */
    public Route route(ClientKey client, int sourcePort) {
        return new Route(this, pool(), client, sourcePort);
    }

    ServerPool pool() {
        Settings s = settings.current();
        ServerPool p = pool;
        if (p == null || p.settings != s) {
            p = new ServerPool(s, roundRobin);
            pool = p;
        }
        return p;
    }

    /** The current settings snapshot. */
    public Settings settingsNow() {
        return settings.current();
    }

    public SettingsStore settingsStore() {
        return settings;
    }

    public int current() {
        return current;
    }

    void chosen(int slot) {
        current = slot;
    }

    /** A connect from this node to {@code id} failed at {@code now}: blacklists it, and remembers it was us. */
    void blacklist(ServerId id, long now, String reason) {
        health.setStatus(id, now, reason);
        ownBlacklistings.put(id, now);
    }

    /** Server -> the stamp of this node's last automatic blacklisting of it (read-only view). */
    public Map<ServerId, Long> ownBlacklistings() {
        return Collections.unmodifiableMap(ownBlacklistings);
    }

    public HealthBoard health() {
        return health;
    }

    public ClientTable clients() {
        return clients;
    }

    public ServerCounterTable counters() {
        return counters;
    }

    public long now() {
        return clock.getAsLong();
    }

    /** True if {@code id} is blacklisted now, under the current blacklist time. */
    public boolean isBlacklisted(ServerId id) {
        return id != null && health.isBlacklisted(id, now(), settings.current().blacklistSeconds * 1000L);
    }
}
