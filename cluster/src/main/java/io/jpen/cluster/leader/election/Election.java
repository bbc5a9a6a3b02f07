package io.jpen.cluster.leader.election;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Who holds each VIP, decided from the view alone: a pure, deterministic function, so any coordinator decides the
 * same from the same statuses and a new coordinator continues where the old one stopped.
 *
 * <p>The rules, in order:
 * <ol>
 *   <li>Without quorum nobody holds anything.</li>
 *   <li><b>The incumbent keeps its VIP</b> (nopreempt): a member that holds the VIP, or was just chosen for it and
 *   has not reported yet, keeps it while it can hold it. If several hold it (a split without quorum healed) the one
 *   that took it last keeps it: its gratuitous ARP is the one clients followed, so they do not move again; then the
 *   highest priority, then the oldest. Exceptions: the incumbent is leaving and someone else can take over
 *   (handover); or a member with preempt and a strictly higher priority has been eligible for its preempt delay.</li>
 *   <li>A free VIP goes to the member with the <b>highest priority</b>, then the <b>fewest VIPs</b> so far (several VIPs
 *   spread over the nodes), then the <b>oldest</b> (seniority). Leaving members are chosen only if nobody else can.</li>
 *   <li>While some members' statuses are still missing (just after a join or merge), a VIP without incumbent is left
 *   undecided rather than given to someone who may not be the best, or who may already hold it unseen.</li>
 * </ol>
 * VIPs are decided in name order so that spreading is deterministic too.
 */
public final class Election {
    private Election() {
    }

    /**
     * The outcome.
     *
     * @param holders  VIP → the member that holds it
     * @param unheld   VIPs nobody may hold (no quorum, no candidate): a holder drops them at once
     * @param recheckAt when to decide again although nothing changed (a preempt delay ends); {@code Long.MAX_VALUE}
     *                 for never
     */
    public record Result<M>(Map<String, M> holders, Set<String> unheld, long recheckAt) {
        public Result {
            holders = Map.copyOf(holders);
            unheld = Set.copyOf(unheld);
        }
    }

    /**
     * @param members          the view's members whose status is known, any order
     * @param vips             every VIP any member is configured for
     * @param pending          the previous decision (VIP → member); counts as incumbency for members that have not
     *                         reported holding yet
     * @param quorumMet        the view has at least the quorum's members
     * @param statusesComplete every view member's status is known
     * @param now              epoch millis, for preempt delays
     */
    public static <M> Result<M> decide(List<Candidate<M>> members, Collection<String> vips, Map<String, M> pending,
                                       boolean quorumMet, boolean statusesComplete, long now) {
        Set<String> sorted = new TreeSet<>(vips);
        if (!quorumMet) {
            return new Result<>(Map.of(), sorted, Long.MAX_VALUE);
        }
        Map<String, M> holders = new HashMap<>();
        Set<String> unheld = new HashSet<>();
        Map<M, Integer> load = new HashMap<>();
        Set<String> hadIncumbent = new HashSet<>();
        long recheck = Long.MAX_VALUE;

        for (String v : sorted) {
            List<Candidate<M>> incumbents = new ArrayList<>();
            for (Candidate<M> c : members) {
                if (c.canHold(v) && (c.holds(v) || Objects.equals(pending.get(v), c.id()))) {
                    incumbents.add(c);
                }
            }
            if (incumbents.isEmpty()) {
                continue;
            }
            hadIncumbent.add(v);
            Candidate<M> best = incumbents.stream().min(incumbentOrder(v)).orElseThrow();
            if (best.leaving() && members.stream().anyMatch(c -> c.canHold(v) && !c.leaving())) {
                continue; // handover: pass 2 chooses among the others
            }
            long readyAt = Long.MAX_VALUE;
            for (Candidate<M> c : members) {
                if (c.canHold(v) && !c.leaving() && c.priority(v) > best.priority(v)) {
                    readyAt = Math.min(readyAt, c.preemptAllowedAt());
                }
            }
            if (readyAt <= now) {
                continue; // preempted: pass 2 gives it to the highest priority
            }
            recheck = Math.min(recheck, readyAt);
            holders.put(v, best.id());
            load.merge(best.id(), 1, Integer::sum);
        }

        for (String v : sorted) {
            if (holders.containsKey(v)) {
                continue;
            }
            List<Candidate<M>> candidates = members.stream().filter(c -> c.canHold(v) && !c.leaving()).toList();
            if (candidates.isEmpty()) {
                candidates = members.stream().filter(c -> c.canHold(v)).toList();
            }
            if (candidates.isEmpty()) {
                if (statusesComplete) {
                    unheld.add(v);
                }
                continue;
            }
            if (!statusesComplete && !hadIncumbent.contains(v)) {
                continue; // undecided until everyone has reported
            }
            Candidate<M> best = candidates.stream().min(freeOrder(v, load)).orElseThrow();
            holders.put(v, best.id());
            load.merge(best.id(), 1, Integer::sum);
        }
        return new Result<>(holders, unheld, recheck);
    }

    /**
     * An actual holder before a merely chosen one; among holders (a healed split) the latest to take it, whose
     * gratuitous ARP the clients followed last; then the highest priority; then the oldest.
     */
    private static <M> Comparator<Candidate<M>> incumbentOrder(String v) {
        return Comparator.<Candidate<M>, Boolean>comparing(c -> !c.holds(v))
                .thenComparingLong(c -> -c.holdingSince(v))
                .thenComparingInt(c -> -c.priority(v))
                .thenComparingInt(Candidate::seniority);
    }

    /** Highest priority, then the fewest VIPs so far, then the oldest. */
    private static <M> Comparator<Candidate<M>> freeOrder(String v, Map<M, Integer> load) {
        return Comparator.<Candidate<M>>comparingInt(c -> -c.priority(v))
                .thenComparingInt(c -> load.getOrDefault(c.id(), 0))
                .thenComparingInt(Candidate::seniority);
    }
}
