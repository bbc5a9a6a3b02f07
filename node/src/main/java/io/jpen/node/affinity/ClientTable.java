package io.jpen.node.affinity;

import io.jpen.node.config.ServerId;

import java.util.List;

/**
 * Pen's client table: which server each client used last, with a bounded number of entries (LRU eviction) and an
 * optional tracking time after which a client is forgotten. The local implementation is
 * {@link LocalClientTable}; the cluster module decorates it so that assignments reach every node, while lookups
 * stay in local memory. All methods are called from event loops and must never block.
 */
public interface ClientTable {

    /**
     * Records a connection from {@code client} (Pen's {@code store_client}): finds or creates its entry (evicting
     * the least recently seen client if the table is full), forgets its server if the entry is older than the
     * tracking time, counts the connect and stamps it with {@code nowMillis}.
     *
     * @return the server the client used last, or null if it has none
     */
    ServerId visit(ClientKey client, long nowMillis);

    /** The client is now served by {@code server} (it moved there for good, as in Pen). */
    void assign(ClientKey client, ServerId server, long nowMillis);

    /** The client has no server any more (it was served by the emergency server: treat it as new next time). */
    void forget(ClientKey client);

    /** Adds the bytes of a finished connection to the client's counters ({@code recent}). */
    void addTraffic(ClientKey client, long toClient, long fromClient);

    /** Applies new limits: {@code capacity} entries, entries forgotten after {@code trackingMillis} (0 = never). */
    void configure(int capacity, long trackingMillis);

    /** A copy of the entries, most recently seen last. For the control port, not the hot path. */
    List<ClientRecord> snapshot();

    /** One client as {@code recent} and the status page show it. */
    record ClientRecord(ClientKey client, ServerId server, long lastSeenMillis, long connects, long toClient,
                        long fromClient) {
    }
}
