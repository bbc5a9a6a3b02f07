package io.jpen.cluster.leader.group;

import org.jgroups.Address;

import java.util.Map;
import java.util.Set;

/**
 * The coordinator's decision: who holds which VIP, valid only in the view it was made in. Immutable.
 *
 * <p>A VIP can be in three places: {@code holders} (that member holds it), {@code unheld} (nobody may: no quorum, no
 * candidate; a holder drops it at once), or neither (undecided, e.g. while statuses of new members are awaited: every
 * member keeps doing what it does).
 *
 * @param viewId  the JGroups view id this was decided in; members ignore it in any other view
 * @param seq     counts decisions within the view; {@code viewId.seq} is the epoch given to scripts
 * @param garpGen raised after a merge: each holder sends a fresh burst of gratuitous ARP when it sees a higher value
 * @param handoverFrom for a VIP this decision takes from a leaving member that still holds it (planned handover):
 *                that member. The new holder forwards the old holder's connections to it before it adds the VIP,
 *                so it must know with the decision itself, not from a status that may arrive after it
 */
public record Assignment(long viewId, int seq, long garpGen, Map<String, Address> holders, Set<String> unheld,
                         Map<String, Address> handoverFrom) {

    public Assignment {
        holders = Map.copyOf(holders);
        unheld = Set.copyOf(unheld);
        handoverFrom = Map.copyOf(handoverFrom);
    }

    /** A decision without handovers. */
    public Assignment(long viewId, int seq, long garpGen, Map<String, Address> holders, Set<String> unheld) {
        this(viewId, seq, garpGen, holders, unheld, Map.of());
    }

    public String epoch() {
        return viewId + "." + seq;
    }

    /** True when this assignment says the same about every VIP as {@code o} (ignoring sequence and ARP generation). */
    public boolean sameDecision(Assignment o) {
        return o != null && holders.equals(o.holders) && unheld.equals(o.unheld);
    }
}
