package io.jpen.node.select;

import io.jpen.node.affinity.ClientKey;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Pen's default: the next available slot after the last one picked. The cursor starts at 0, so a fresh node's
 * first pick is slot 1 (Pen's observable quirk). The cursor moves even if the connect then fails. Limits are not
 * considered here. One instance per node, kept across settings changes.
 */
public final class RoundRobinSelector implements ServerSelector {
    private final AtomicInteger last = new AtomicInteger();

    @Override
    public int select(Candidates c, ClientKey client, int sourcePort) {
        int n = c.size();
        if (n == 0) {
            return NO_SERVER;
        }
        while (true) {
            int start = last.get();
            int from = Math.floorMod(start, n);
            int pick = NO_SERVER;
            int i = from;
            do { // from+1, ..., n-1, 0, ..., from: the last pick is tried last, as in Pen
                i = (i + 1) % n;
                if (c.available(i)) {
                    pick = i;
                    break;
                }
            } while (i != from);
            if (pick == NO_SERVER || last.compareAndSet(start, pick)) {
                return pick;
            }
            // another event loop moved the cursor meanwhile: start again from its position
        }
    }

    @Override
    public String algorithm() {
        return "roundrobin";
    }
}
