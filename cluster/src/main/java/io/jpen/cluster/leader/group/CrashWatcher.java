package io.jpen.cluster.leader.group;

import org.jgroups.Address;
import org.jgroups.Event;
import org.jgroups.stack.Protocol;

import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Remembers which members FD_SOCK2 suspected: placed right above FD_SOCK2 and below FD_ALL3, it sees FD_SOCK2's
 * suspicions (the member's failure-detection socket closed: its process is gone) and not FD_ALL3's (the member went
 * silent: it may be alive behind a cut, still holding its VIPs until its own lease runs out). The coordinator waits
 * out the lease of a vanished holder unless it crashed (see {@code docs/leadership.md}, "fencing").
 *
 * <p>Threading: written on JGroups' threads (a map put), read on the leader thread.
 */
public final class CrashWatcher extends Protocol {
    private final Map<Address, Long> crashed = new ConcurrentHashMap<>();

    @Override
    public Object up(Event evt) {
        if (evt.getType() == Event.SUSPECT && evt.getArg() instanceof Collection<?> c) {
            long now = System.nanoTime();
            for (Object a : c) {
                if (a instanceof Address addr) {
                    crashed.put(addr, now);
                }
            }
        }
        return up_prot.up(evt);
    }

    /** True if FD_SOCK2 suspected {@code member} within the last {@code windowNanos}. */
    public boolean crashed(Address member, long windowNanos) {
        Long t = crashed.get(member);
        return t != null && System.nanoTime() - t < windowNanos;
    }

    /** Forgets suspicions older than {@code windowNanos}. */
    public void prune(long windowNanos) {
        long now = System.nanoTime();
        crashed.values().removeIf(t -> now - t > windowNanos);
    }
}
