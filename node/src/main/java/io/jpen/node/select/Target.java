package io.jpen.node.select;

import io.jpen.node.config.ServerId;
import io.jpen.node.config.ServerSpec;
import io.jpen.node.stats.ServerCounters;

/**
 * A server a connection is about to use or uses, with one of its connection slots reserved.
 *
 * @param slot 0.. for a listed server, {@link #EMERGENCY} or {@link #ABUSE}
 */
public record Target(int slot, ServerSpec spec, ServerId id, ServerCounters counters) {
    public static final int EMERGENCY = -1;
    public static final int ABUSE = -2;

    public boolean isSpecial() {
        return slot < 0;
    }
}
