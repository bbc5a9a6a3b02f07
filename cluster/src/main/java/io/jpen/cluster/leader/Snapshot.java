package io.jpen.cluster.leader;

import io.jpen.cluster.leader.vip.TransitionLog;

import java.util.List;

/**
 * What the visibility commands show, taken at one instant on the leader thread. Immutable.
 *
 * @param quorum      required members, 0 for none
 * @param quorumHeard this holder heard from a quorum recently (the lease)
 * @param epoch       the last decision seen, {@code viewId.seq}
 */
public record Snapshot(String node, boolean witness, String view, String coordinator, int quorum, int viewSize,
                       boolean quorumHeard, String epoch, String health, String fence, boolean leaving,
                       List<Member> members, List<Vip> vips, List<TransitionLog.Entry> transitions) {

    public Snapshot {
        members = List.copyOf(members);
        vips = List.copyOf(vips);
        transitions = List.copyOf(transitions);
    }

    /** One view member: role is eligible, FAULT, leaving, witness, or ? (no status yet). */
    public record Member(String name, String role, boolean coordinator) {
    }

    /**
     * One VIP known in the cluster.
     *
     * @param where    {@code address/prefix@interface} on this node, empty if not configured here
     * @param state    this node's keepalived state for it, {@code -} if not configured here
     * @param assigned the holder the last decision names, {@code -} if none
     * @param holders  the members that report holding it (normally exactly one)
     * @param handover a planned handover in progress here, empty if none: "forwarding to MEMBER" (successor) or
     *                 "on lo while draining" (old holder)
     */
    public record Vip(String name, String where, String state, int priority, String assigned, List<String> holders,
                      String handover) {
        public Vip {
            holders = List.copyOf(holders);
        }
    }
}
