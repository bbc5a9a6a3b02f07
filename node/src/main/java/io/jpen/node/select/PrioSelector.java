package io.jpen.node.select;

import io.jpen.node.affinity.ClientKey;

/** Pen's {@code prio}: the available slot with the lowest prio, ties to the lowest index; load is ignored. */
public enum PrioSelector implements ServerSelector {
    INSTANCE;

    @Override
    public int select(Candidates c, ClientKey client, int sourcePort) {
        int best = NO_SERVER;
        int bestPrio = Integer.MAX_VALUE;
        for (int i = 0, n = c.size(); i < n; i++) {
            if (!c.available(i)) {
                continue;
            }
            int p = c.prio(i);
            if (best == NO_SERVER || p < bestPrio) {
                bestPrio = p;
                best = i;
            }
        }
        return best;
    }

    @Override
    public String algorithm() {
        return "prio";
    }
}
