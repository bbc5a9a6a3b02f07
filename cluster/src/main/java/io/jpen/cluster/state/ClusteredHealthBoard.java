package io.jpen.cluster.state;

import io.jpen.cluster.state.Update.HealthChanged;
import io.jpen.node.config.ServerId;
import io.jpen.node.health.HealthBoard;

import java.util.Map;

/**
 * The node's blacklist, shared: reads come from the local board; a blacklisting or a clearing made here is also
 * offered to the {@link UpdateWriter}. Several connections failing within a second are one event and are published
 * once. Changes from other nodes go to the local board directly ({@link PeerApplier}).
 *
 * <p>Read on event loops for every candidate server; nothing here waits for the cluster.
 */
final class ClusteredHealthBoard implements HealthBoard {
    private final HealthBoard local;
    private final UpdateWriter writer;

    ClusteredHealthBoard(HealthBoard local, UpdateWriter writer) {
        this.local = local;
        this.writer = writer;
    }

    HealthBoard local() {
        return local;
    }

    @Override
    public long status(ServerId server) {
        return local.status(server);
    }

    @Override
    public void setStatus(ServerId server, long statusMillis, String reason) {
        long before = local.status(server);
        local.setStatus(server, statusMillis, reason);
        boolean changed = statusMillis == 0 ? before != 0 : before == 0 || Math.abs(statusMillis - before) >= 1000;
        if (changed) {
            writer.offer(new HealthChanged(server, statusMillis, reason));
        }
    }

    @Override
    public Map<ServerId, Long> snapshot() {
        return local.snapshot();
    }
}
