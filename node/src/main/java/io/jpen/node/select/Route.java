package io.jpen.node.select;

import io.jpen.node.affinity.ClientKey;
import io.jpen.node.config.ServerId;
import io.jpen.node.config.ServerSpec;
import io.jpen.node.config.Settings;
import io.jpen.node.stats.ServerCounters;

/**
 * Selection for one client connection, in Pen's order (pen-behaviour.md section 2):
 * <ol>
 *   <li>client ACL: a denied client goes to the abuse server ({@code -B}), else the emergency server ({@code -e},
 *       Pen's quirk), else is closed;</li>
 *   <li>unless {@code roundrobin}: the server the client used last;</li>
 *   <li>else the algorithm in force (prio, weight, hash, round robin);</li>
 *   <li>the pick must pass {@link #tryServer}: not an empty slot, not blacklisted, under its limits (soft for
 *       everyone, hard for a returning client), permitted by the server's ACL;</li>
 *   <li>on failure: stubborn closes; otherwise the servers after the failed one in index order, the initial one
 *       last, then the emergency server, then close.</li>
 * </ol>
 * A connect failure blacklists the server and continues with step 5 (Pen 0.34.1 only does that with {@code -P};
 * this is the intended behaviour). Each returned {@link Target} holds a reserved connection slot that the caller
 * gives back through {@link #failed} or {@link #closed}.
 *
 * <p>Threading: a route belongs to one connection and is used on that connection's event loop only.
 */
public final class Route implements Candidates {
    private final Balancer balancer;
    private final ServerPool pool;
    private final Settings settings;
    private final ClientKey client;
    private final int sourcePort;
    private long now;
    private ServerId remembered;
    private int initial = ServerSelector.NO_SERVER;
    private int current = ServerSelector.NO_SERVER;
    private boolean emergencyTried;
    private int attempts;

    Route(Balancer balancer, ServerPool pool, ClientKey client, int sourcePort) {
        this.balancer = balancer;
        this.pool = pool;
        this.settings = pool.settings;
        this.client = client;
        this.sourcePort = sourcePort;
    }

    /** The settings snapshot this connection uses from start to end. */
    public Settings settings() {
        return settings;
    }

    public ClientKey client() {
        return client;
    }

    /**
     * Records the client's visit and returns the first server to connect to, or null if the connection must be
     * closed.
     */
    public Target first() {
        now = balancer.now();
        remembered = balancer.clients.visit(client, now);
        if (!pool.clientAcl.permits(client.isUnix() ? null : client.address())) {
            if (settings.abuse != null) {
                current = Target.ABUSE;
                return special(Target.ABUSE, settings.abuse, pool.abuseId);
            }
            if (settings.emergency != null) {
                emergencyTried = true;
                current = Target.EMERGENCY;
                return special(Target.EMERGENCY, settings.emergency, pool.emergencyId);
            }
            return null;
        }
        int pick = ServerSelector.NO_SERVER;
        if (!settings.roundrobin && remembered != null) {
            pick = pool.slotOf(remembered);
        }
        if (pick == ServerSelector.NO_SERVER) {
            pick = pool.selector.select(this, client, sourcePort);
        }
        initial = pick;
        current = pick;
        Target t = tryServer(pick);
        return t != null ? t : failover();
    }

    /**
     * The connect to {@code failed} did not succeed: gives back its slot, blacklists it (a listed server only),
     * and returns the next server to try, or null to close the client.
     */
    public Target failed(Target failed, String reason) {
        failed.counters().release();
        now = balancer.now();
        if (!failed.isSpecial()) {
            balancer.blacklist(failed.id(), now, reason);
        }
        return failover();
    }

    /** The connect to {@code t} succeeded: the client now belongs to that server (for good, as in Pen). */
    public void connected(Target t) {
        if (t.slot() >= 0) {
            balancer.chosen(t.slot());
            // a returning client needs no write (visit stamped it); with roundrobin the table is never read, so
            // recording would only cost (and, clustered, replicate) a write per connection
            if (!settings.roundrobin && !t.id().equals(remembered)) {
                balancer.clients.assign(client, t.id(), balancer.now());
            }
        } else if (t.slot() == Target.EMERGENCY) {
            balancer.clients.forget(client);
        }
    }

    /** The connection is over: gives back the slot and counts the client's bytes. */
    public void closed(Target t, long toClient, long fromClient) {
        t.counters().release();
        balancer.clients.addTraffic(client, toClient, fromClient);
    }

    private Target failover() {
        if (settings.stubborn || current < 0 && current != ServerSelector.NO_SERVER) {
            return null; // stubborn, or the abuse/emergency server failed: they never fail over
        }
        int n = pool.specs.length;
        if (n > 1 && current != ServerSelector.NO_SERVER) {
            int s = current;
            do {
                s = (s + 1) % n;
                if (++attempts > 2 * n + 2) {
                    break; // a blacklist time of 0 never marks servers down: do not spin
                }
                Target t = tryServer(s);
                if (t != null) {
                    return t;
                }
            } while (s != initial);
        }
        if (!emergencyTried && settings.emergency != null) {
            emergencyTried = true;
            current = Target.EMERGENCY;
            return special(Target.EMERGENCY, settings.emergency, pool.emergencyId);
        }
        return null;
    }

    /** Pen's try_server: the checks that come before a connect; reserves a connection slot on success. */
    private Target tryServer(int slot) {
        if (slot < 0 || slot >= pool.specs.length) {
            return null;
        }
        ServerSpec spec = pool.specs[slot];
        if (spec.isEmpty() || !available(slot)) {
            return null;
        }
        if (spec.acl() != 0 && !settings.acl(spec.acl()).permits(client.isUnix() ? null : client.address())) {
            return null;
        }
        ServerId id = pool.ids[slot];
        int limit = spec.maxConnections();
        if (limit > 0 && id.equals(remembered) && spec.hard() > limit) {
            limit = spec.hard(); // a returning client may continue up to the hard limit
        }
        ServerCounters c = balancer.counters.get(slot);
        if (!c.tryAcquire(limit)) {
            return null;
        }
        current = slot;
        return new Target(slot, spec, id, c);
    }

    private Target special(int slot, ServerSpec spec, ServerId id) {
        ServerCounters c = balancer.counters.get(slot);
        c.tryAcquire(0);
        return new Target(slot, spec, id, c);
    }

    // Candidates, for the selectors

    @Override
    public int size() {
        return pool.specs.length;
    }

    @Override
    public boolean available(int slot) {
        ServerId id = pool.ids[slot];
        return id != null && !balancer.health.isBlacklisted(id, now, pool.blacklistMillis);
    }

    @Override
    public int weight(int slot) {
        return pool.specs[slot].weight();
    }

    @Override
    public int prio(int slot) {
        return pool.specs[slot].prio();
    }

    @Override
    public int connections(int slot) {
        return balancer.counters.get(slot).connections();
    }
}
