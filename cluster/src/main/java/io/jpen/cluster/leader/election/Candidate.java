package io.jpen.cluster.leader.election;

import java.util.Map;
import java.util.Set;

/**
 * One view member as the election sees it. Immutable.
 *
 * @param id                 the member (a JGroups address in production)
 * @param seniority          its index in the view: 0 is the oldest
 * @param eligible           healthy and not stopping (keepalived: not FAULT)
 * @param witness            only votes
 * @param leaving            handing over: keeps or gets a VIP only if no other member can hold it
 * @param preemptAllowedAt   when it may take a VIP from a lower-priority holder (epoch millis); {@code Long.MAX_VALUE}
 *                           for a nopreempt member
 * @param priorities         its priority for each VIP it is configured for
 * @param holding            the VIPs it reports holding, each with when it became holder (epoch millis)
 * @param faulted            the VIPs whose vip-up failed on it recently
 * @param ready              its readiness checks pass (e.g. it has loaded the shared client table): a member that is
 *                           not ready is given a VIP only when no ready member can hold it, and never by preempt or
 *                           rebalancing
 */
public record Candidate<M>(M id, int seniority, boolean eligible, boolean witness, boolean leaving,
                           long preemptAllowedAt, Map<String, Integer> priorities, Map<String, Long> holding,
                           Set<String> faulted, boolean ready) {

    public Candidate {
        priorities = Map.copyOf(priorities);
        holding = Map.copyOf(holding);
        faulted = Set.copyOf(faulted);
    }

    /** A member that is ready. */
    public Candidate(M id, int seniority, boolean eligible, boolean witness, boolean leaving, long preemptAllowedAt,
                     Map<String, Integer> priorities, Map<String, Long> holding, Set<String> faulted) {
        this(id, seniority, eligible, witness, leaving, preemptAllowedAt, priorities, holding, faulted, true);
    }

    /** May this member hold {@code vip} at all (configured, healthy, not a witness, its vip-up not failing)? */
    boolean canHold(String vip) {
        return eligible && !witness && priorities.containsKey(vip) && !faulted.contains(vip);
    }

    boolean holds(String vip) {
        return holding.containsKey(vip);
    }

    long holdingSince(String vip) {
        return holding.getOrDefault(vip, 0L);
    }

    int priority(String vip) {
        return priorities.getOrDefault(vip, 0);
    }
}
