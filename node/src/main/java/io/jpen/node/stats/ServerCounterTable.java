package io.jpen.node.stats;

import java.util.Arrays;

/**
 * Counters per server slot, kept across settings changes (Pen keeps them in the slot: changing a slot's address
 * keeps its byte counts). Slot -1 is the emergency server, -2 the abuse server. Grows on demand; reads are a
 * volatile array load.
 */
public final class ServerCounterTable {
    private final ServerCounters emergency = new ServerCounters();
    private final ServerCounters abuse = new ServerCounters();
    private volatile ServerCounters[] slots = new ServerCounters[0];

    public ServerCounters get(int slot) {
        if (slot == -1) {
            return emergency;
        }
        if (slot == -2) {
            return abuse;
        }
        ServerCounters[] s = slots;
        if (slot < s.length) {
            return s[slot];
        }
        return grow(slot);
    }

    private synchronized ServerCounters grow(int slot) {
        ServerCounters[] s = slots;
        if (slot < s.length) {
            return s[slot];
        }
        ServerCounters[] n = Arrays.copyOf(s, slot + 1);
        for (int i = s.length; i < n.length; i++) {
            n[i] = new ServerCounters();
        }
        slots = n;
        return n[slot];
    }
}
