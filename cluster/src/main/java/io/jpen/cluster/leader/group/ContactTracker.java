package io.jpen.cluster.leader.group;

import org.jgroups.Address;
import org.jgroups.Message;
import org.jgroups.stack.Protocol;
import org.jgroups.util.MessageBatch;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Records when each member was last heard from, for the holder's quorum lease (see {@code docs/leadership.md}).
 *
 * <p>Only multicasts count: FD_ALL3's heartbeats and leadership's statuses, which a member sends to the members of
 * its own view only. A member that has excluded this node stops sending them, and stops counting as "heard", even
 * though it may still send it unicasts (a verification, a merge request) and announce its view to every configured
 * host (MERGE3, below this protocol and consumed there).
 *
 * <p>Threading: written on JGroups' receiver threads (a map put, never blocking), read by the lease thread.
 */
public final class ContactTracker extends Protocol {
    private final Map<Address, Long> lastHeard = new ConcurrentHashMap<>();

    @Override
    public Object up(Message msg) {
        if (msg.getDest() == null) {
            touch(msg.getSrc());
        }
        return up_prot.up(msg);
    }

    @Override
    public void up(MessageBatch batch) {
        if (batch.dest() == null) {
            touch(batch.sender());
        }
        up_prot.up(batch);
    }

    private void touch(Address a) {
        if (a != null) {
            lastHeard.put(a, System.nanoTime());
        }
    }

    /** True if a message from {@code member} arrived within the last {@code windowNanos}. */
    public boolean heardWithin(Address member, long windowNanos) {
        Long t = lastHeard.get(member);
        return t != null && System.nanoTime() - t < windowNanos;
    }

    /**
     * {@link System#nanoTime()} of the last message from {@code member}, or empty if never (or forgotten). Kept for a
     * while after a member left the view: the coordinator needs it to wait out a vanished holder's lease.
     */
    public java.util.OptionalLong lastHeard(Address member) {
        Long t = lastHeard.get(member);
        return t == null ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(t);
    }

    /** Forgets non-members not heard from for {@code windowNanos}. */
    public void prune(java.util.Collection<Address> members, long windowNanos) {
        long now = System.nanoTime();
        lastHeard.entrySet().removeIf(e -> !members.contains(e.getKey()) && now - e.getValue() > windowNanos);
    }
}
