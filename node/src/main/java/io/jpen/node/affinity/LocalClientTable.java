package io.jpen.node.affinity;

import io.jpen.node.config.ServerId;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The in-memory client table: a map bounded to {@code capacity} entries and kept in the order clients were last
 * seen, so the least recently seen client is evicted first (exact LRU, where Pen scans for the oldest slot). Only a
 * visit, or an assignment stamped later than the last visit (a peer saw the client), moves a client to the recent
 * end; looking it up, counting its bytes or forgetting its server does not.
 *
 * <p>Threading: every method takes the table's monitor for a few map operations (no I/O, no allocation beyond a
 * new entry), which is cheap next to a connect. Expiry is checked on visit, not by a timer.
 */
public final class LocalClientTable implements ClientTable {

    private static final class Entry {
        ServerId server;
        long lastSeen;
        long connects;
        long toClient;
        long fromClient;
    }

    private final LinkedHashMap<ClientKey, Entry> map;
    private int capacity;
    private long trackingMillis;

    public LocalClientTable(int capacity, long trackingMillis) {
        this.capacity = Math.max(1, capacity);
        this.trackingMillis = trackingMillis;
        this.map = new LinkedHashMap<>(Math.min(this.capacity, 1 << 16) * 4 / 3 + 1, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<ClientKey, Entry> eldest) {
                return size() > LocalClientTable.this.capacity;
            }
        };
    }

    @Override
    public synchronized ServerId visit(ClientKey client, long nowMillis) {
        Entry e = map.remove(client);
        if (e == null) {
            e = new Entry();
        } else if (trackingMillis > 0 && nowMillis - e.lastSeen > trackingMillis) {
            e.server = null;
            e.connects = 0;
            e.toClient = 0;
            e.fromClient = 0;
        }
        e.lastSeen = nowMillis;
        e.connects++;
        map.put(client, e); // (re)inserted at the recent end
        return e.server;
    }

    @Override
    public synchronized void assign(ClientKey client, ServerId server, long nowMillis) {
        Entry e = map.get(client);
        if (e == null) {
            e = new Entry();
            e.lastSeen = nowMillis;
            map.put(client, e);
        } else if (nowMillis > e.lastSeen) {
            e.lastSeen = nowMillis;
            map.remove(client);
            map.put(client, e);
        }
        e.server = server;
    }

    @Override
    public synchronized void forget(ClientKey client) {
        Entry e = map.get(client);
        if (e != null) {
            e.server = null;
        }
    }

    @Override
    public synchronized void addTraffic(ClientKey client, long toClient, long fromClient) {
        Entry e = map.get(client);
        if (e != null) {
            e.toClient += toClient;
            e.fromClient += fromClient;
        }
    }

    @Override
    public synchronized void configure(int capacity, long trackingMillis) {
        this.capacity = Math.max(1, capacity);
        this.trackingMillis = trackingMillis;
        Iterator<ClientKey> it = map.keySet().iterator();
        while (map.size() > this.capacity && it.hasNext()) {
            it.next();
            it.remove();
        }
    }

    @Override
    public synchronized List<ClientRecord> snapshot() {
        List<ClientRecord> out = new ArrayList<>(map.size());
        for (Map.Entry<ClientKey, Entry> me : map.entrySet()) {
            Entry e = me.getValue();
            out.add(new ClientRecord(me.getKey(), e.server, e.lastSeen, e.connects, e.toClient, e.fromClient));
        }
        return out;
    }

    public synchronized int size() {
        return map.size();
    }

    /** Current server of a client without counting a visit (tests and the control port). */
    public synchronized ServerId peek(ClientKey client) {
        Entry e = map.get(client);
        return e == null ? null : e.server;
    }
}
