package io.jpen.node.proxy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;

/**
 * The open client connections, numbered like Pen's connection slots (the lowest free number is reused), for
 * {@code connection N}, {@code close N} and the status page. Registration happens once per connection; the lock is
 * held for a few instructions.
 */
public final class ConnectionRegistry {
    private final BitSet used = new BitSet();
    private ProxyConnection[] slots = new ProxyConnection[64];
    private int count;

    synchronized int register(ProxyConnection c) {
        int id = used.nextClearBit(0);
        used.set(id);
        if (id >= slots.length) {
            slots = Arrays.copyOf(slots, Math.max(id + 1, slots.length * 2));
        }
        slots[id] = c;
        count++;
        return id;
    }

    synchronized void unregister(int id, ProxyConnection c) {
        if (id < slots.length && slots[id] == c) {
            slots[id] = null;
            used.clear(id);
            count--;
        }
    }

    public synchronized ProxyConnection get(int id) {
        return id >= 0 && id < slots.length ? slots[id] : null;
    }

    public synchronized int count() {
        return count;
    }

    /** Highest slot number ever used + 1 (Pen's "last"). */
    public synchronized int highWater() {
        return used.length();
    }

    public synchronized List<ProxyConnection> snapshot() {
        List<ProxyConnection> l = new ArrayList<>(count);
        for (ProxyConnection c : slots) {
            if (c != null) {
                l.add(c);
            }
        }
        return l;
    }
}
