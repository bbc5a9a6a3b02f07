package io.jpen.node.select;

/** What a {@link ServerSelector} may know about the server slots when it picks one. */
public interface Candidates {
    /** Number of slots (Pen's {@code nservers}, empty slots included). */
    int size();

    /** Not blacklisted and not an empty slot (Pen's "available"; limits and ACLs are checked later). */
    boolean available(int slot);

    int weight(int slot);

    int prio(int slot);

    /** Open upstream connections of the slot on this node. */
    int connections(int slot);
}
