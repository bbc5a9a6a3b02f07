package io.jpen.node.select;

import io.jpen.node.affinity.ClientKey;

/**
 * Pen's {@code -W}: among available slots with a non-zero weight, the one with the smallest
 * {@code 256 * connections / weight} (integer division), ties to the lowest index. Without weights it finds
 * nothing, as Pen does (clients then go to the emergency server or are closed).
 */
public enum WeightSelector implements ServerSelector {
    INSTANCE;

    @Override
    public int select(Candidates c, ClientKey client, int sourcePort) {
        int best = NO_SERVER;
        long bestLoad = Long.MAX_VALUE;
        for (int i = 0, n = c.size(); i < n; i++) {
            int w = c.weight(i);
            if (w == 0 || !c.available(i)) {
                continue;
            }
            long load = 256L * c.connections(i) / w;
            if (load < bestLoad) {
                bestLoad = load;
                best = i;
            }
        }
        return best;
    }

    @Override
    public String algorithm() {
        return "weight";
    }
}
