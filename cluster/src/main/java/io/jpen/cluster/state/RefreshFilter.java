package io.jpen.cluster.state;

import io.jpen.node.affinity.ClientKey;

import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Decides, on the event loop and without locking, whether a returning client's visit is worth queueing as a
 * last-seen refresh: not if the same client was queued less than the refresh interval ago. A small two-way
 * associative table of the last clients queued (16384 entries); clients competing for a pair of slots only cause
 * extra refreshes (the writer drops those), never a missed one. Races between event loops are harmless for the same reason.
 *
 * <p>Why: without it every connection of a known client costs a queue offer and a wake-up of the writer thread,
 * for a refresh the writer then drops.
 */
final class RefreshFilter {
    private static final int SLOTS = 1 << 14;

    private record Last(ClientKey client, long at) {
    }

    private final AtomicReferenceArray<Last> slots = new AtomicReferenceArray<>(SLOTS);
    private volatile long intervalMillis;

    RefreshFilter(long intervalMillis) {
        this.intervalMillis = intervalMillis;
    }

    void interval(long millis) {
        intervalMillis = millis;
    }

    /**
     * FNV-1a over the address bytes, mixed: {@code ClientKey.hashCode()} (31-based over 4 bytes) gives neighbouring
     * addresses equal hashes, which would make them share slots.
     */
    private static int slot(ClientKey client) {
        int h = 0x811C9DC5;
        for (byte b : client.address()) {
            h = (h ^ (b & 0xff)) * 0x01000193;
        }
        h ^= h >>> 16; // then MurmurHash3's finaliser: FNV alone leaves the low bits clustered
        h *= 0x85EBCA6B;
        h ^= h >>> 13;
        h *= 0xC2B2AE35;
        h ^= h >>> 16;
        return h & (SLOTS - 1);
    }

    /** True if a refresh of {@code client} seen at {@code now} should be queued (and records it as queued). */
    boolean due(ClientKey client, long now) {
        int i = slot(client);
        Last first = slots.get(i);
        Last second = slots.get(i ^ 1);
        if (fresh(first, client, now) || fresh(second, client, now)) {
            return false;
        }
        // replace this client's own record, else the older of the pair
        boolean useSecond = second != null && second.client().equals(client)
                || first != null && !first.client().equals(client) && (second == null || second.at() < first.at());
        slots.set(useSecond ? i ^ 1 : i, new Last(client, now));
        return true;
    }

    private boolean fresh(Last l, ClientKey client, long now) {
        return l != null && l.client().equals(client) && now - l.at() < intervalMillis && now >= l.at();
    }
}
