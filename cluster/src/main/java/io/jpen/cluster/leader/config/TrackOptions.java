package io.jpen.cluster.leader.config;

import java.time.Duration;

/** keepalived-style tracking: what puts this node in FAULT (see {@link LeaderKey}). Immutable. */
public record TrackOptions(boolean iface, boolean listener, String checkScript, Duration checkInterval,
                           Duration checkTimeout, int rise, int fall) {

    public boolean hasCheckScript() {
        return !checkScript.isBlank();
    }
}
