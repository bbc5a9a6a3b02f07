package io.jpen.cluster.state;

import io.jpen.cluster.state.Update.ClientAssigned;
import io.jpen.cluster.state.Update.ClientForgotten;
import io.jpen.cluster.state.Update.ClientSeen;
import io.jpen.node.affinity.ClientKey;
import io.jpen.node.affinity.ClientTable;
import io.jpen.node.config.ServerId;

import java.util.List;

/**
 * The node's client table, shared: every lookup is answered by the local table (the node's own clients and those the
 * cluster told it about), and every change is also offered to the {@link UpdateWriter}, which never blocks. Changes
 * from other nodes are applied to the local table directly ({@link PeerApplier}), so they are not published again.
 *
 * <p>Called on event loops; nothing here waits for the cluster.
 */
final class ClusteredClientTable implements ClientTable {
    private final ClientTable local;
    private final UpdateWriter writer;
    private final RefreshFilter refreshes;

    ClusteredClientTable(ClientTable local, UpdateWriter writer) {
        this.local = local;
        this.writer = writer;
        this.refreshes = new RefreshFilter(writer.refreshMillis());
    }

    /** The undecorated table, for changes that come from the cluster. */
    ClientTable local() {
        return local;
    }

    @Override
    public ServerId visit(ClientKey client, long nowMillis) {
        ServerId s = local.visit(client, nowMillis);
        if (s != null && writer.attached() && refreshes.due(client, nowMillis)) {
            // refreshes the last-seen time on the other nodes (-T, LRU); worthless while there are none, and it must
            // not fill the queue ahead of assignments while the member starts
            writer.offer(new ClientSeen(client, s, nowMillis));
        }
        return s;
    }

    @Override
    public void assign(ClientKey client, ServerId server, long nowMillis) {
        local.assign(client, server, nowMillis);
        writer.offer(new ClientAssigned(client, server, nowMillis));
    }

    @Override
    public void forget(ClientKey client) {
        local.forget(client);
        writer.offer(new ClientForgotten(client));
    }

    @Override
    public void addTraffic(ClientKey client, long toClient, long fromClient) {
        local.addTraffic(client, toClient, fromClient); // per-node figures, as Pen's recent shows them
    }

    @Override
    public void configure(int capacity, long trackingMillis) {
        local.configure(capacity, trackingMillis);
        writer.tracking(capacity, trackingMillis);
        refreshes.interval(writer.refreshMillis());
    }

    @Override
    public List<ClientRecord> snapshot() {
        return local.snapshot();
    }
}
