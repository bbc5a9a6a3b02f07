package io.jpen.node.select;

import io.jpen.node.affinity.ClientKey;

/**
 * One of Pen's algorithms for choosing the initial server of a new client (one class per algorithm). It only
 * proposes a slot; the {@link Balancer} then checks limits and ACLs and fails over in index order if needed.
 */
public interface ServerSelector {
    /** No server could be chosen. */
    int NO_SERVER = -3;

    /** @return a slot index, or {@link #NO_SERVER} */
    int select(Candidates candidates, ClientKey client, int sourcePort);

    /** The name used in {@code mode}, logs and benchmarks. */
    String algorithm();
}
