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
 *   (handover); or a ready member with preempt and a strictly higher priority has been eligible for its preempt
 *   delay.</li>
 *   <li>A free VIP goes to the member with the <b>highest priority</b>, then the <b>fewest VIPs</b> so far (several VIPs
 *   spread over the nodes), then the <b>oldest</b> (seniority). Members that are not ready (their shared table is not
 *   loaded yet) are chosen only if no ready member can hold it, leaving members only if nobody else can.</li>
 *   <li>While some members' statuses are still missing (just after a join or merge), a VIP without incumbent is left
 *   undecided rather than given to someone who may not be the best, or who may already hold it unseen.</li>
 *   <li><b>Rebalancing</b> (when asked to, see {@link Rebalance}): when one member holds at least two VIPs more than
 *   another ready member that could take one of them at no lower priority, one such VIP moves to it, one at a time.
 *   A pair with one VIP therefore never moves it (1 against 0), and an operator's priorities keep deciding who is
 *   preferred. A move once decided goes on (the old holder still holds it until the new one reports holding) as
 *   long as it still evens out the load.</li>
 * </ol>
 * VIPs are decided in name order so that spreading is deterministic too.
 */
public final class Election {
    private Election() {
    }

    /** What rebalancing may do in this decision. */
    public enum Rebalance {
        /** Never move a VIP to even out the load. */
        OFF,
        /** Carry on with a move already decided, start none (the cluster has not been stable long enough). */
        CONTINUE,
        /** Start one move if the load is uneven and nothing else is moving. */
        START
    }

    /**
     * The outcome.
     *
     * @param holders  VIP → the member that holds it
     * @param unheld   VIPs nobody may hold (no quorum, no candidate): a holder drops them at once
     * @param recheckAt when to decide again although nothing changed (a preempt delay ends); {@code Long.MAX_VALUE}
     *                 for never
     * @param rebalanced VIP → the member it is being taken from to even out the load (a planned move: the new holder
     *                 adds it before the old one lets go)
     */
    public record Result<M>(Map<String, M> holders, Set<String> unheld, long recheckAt, Map<String, M> rebalanced) {
        public Result {
            holders = Map.copyOf(holders);
            unheld = Set.copyOf(unheld);
            rebalanced = Map.copyOf(rebalanced);
        }

        public Result(Map<String, M> holders, Set<String> unheld, long recheckAt) {
            this(holders, unheld, recheckAt, Map.of());
        }
    }

    /** {@link #decide(List, Collection, Map, boolean, boolean, long, Rebalance)} without rebalancing. */
    public static <M> Result<M> decide(List<Candidate<M>> members, Collection<String> vips, Map<String, M> pending,
                                       boolean quorumMet, boolean statusesComplete, long now) {
        return decide(members, vips, pending, quorumMet, statusesComplete, now, Rebalance.OFF);
    }

    /**
     * @param members          the view's members whose status is known, any order
     * @param vips             every VIP any member is configured for
     * @param pending          the previous decision (VIP → member); counts as incumbency for members that have not
     *                         reported holding yet
     * @param quorumMet        the view has at least the quorum's members
     * @param statusesComplete every view member's status is known
     * @param now              epoch millis, for preempt delays
     * @param rebalance        whether a move that evens out the load may be started or continued
     */
    public static <M> Result<M> decide(List<Candidate<M>> members, Collection<String> vips, Map<String, M> pending,
                                       boolean quorumMet, boolean statusesComplete, long now, Rebalance rebalance) {
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
                if (c.canHold(v) && !c.leaving() && c.ready() && c.priority(v) > best.priority(v)) {
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
            List<Candidate<M>> candidates = members.stream().filter(c -> c.canHold(v) && !c.leaving() && c.ready())
                    .toList();
            if (candidates.isEmpty()) {
                // not ready (shared table still loading) beats nobody; a leaving member comes last
                candidates = members.stream().filter(c -> c.canHold(v) && !c.leaving()).toList();
            }
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

        Map<String, M> rebalanced = new HashMap<>();
        if (rebalance != Rebalance.OFF && statusesComplete) {
            rebalance(members, sorted, pending, holders, load, rebalance == Rebalance.START, rebalanced);
        }
        return new Result<>(holders, unheld, recheck, rebalanced);
    }

    /**
     * Rule 5. Continues a move the previous decision started (it named a member that does not hold the VIP yet
     * while another still does), if it still evens out the load; otherwise, when {@code start} and nothing is in
     * motion, starts one: from the most loaded member, its first VIP (in name order) that a member holding at least
     * two fewer can take at no lower priority; that member is the least loaded, then the highest priority, then the
     * oldest. Updates {@code holders} and {@code load}, records the move in {@code rebalanced}.
     */
    private static <M> void rebalance(List<Candidate<M>> members, Set<String> sorted, Map<String, M> pending,
                                      Map<String, M> holders, Map<M, Integer> load, boolean start,
                                      Map<String, M> rebalanced) {
        Map<M, Candidate<M>> byId = new HashMap<>();
        for (Candidate<M> c : members) {
            byId.put(c.id(), c);
        }
        boolean moving = false;
        for (String v : sorted) {
            M target = pending.get(v);
            M holder = holders.get(v);
            if (target == null || holder == null || target.equals(holder)) {
                continue;
            }
            Candidate<M> from = byId.get(holder);
            Candidate<M> to = byId.get(target);
            if (from != null && to != null && from.holds(v) && !to.holds(v) && takes(to, from, v, load)) {
                holders.put(v, target);
                load.merge(holder, -1, Integer::sum);
                load.merge(target, 1, Integer::sum);
                rebalanced.put(v, holder);
                return; // one at a time
            }
            moving = true;
        }
        if (!start || moving || !settled(members, sorted, pending, holders)) {
            return;
        }
        List<Candidate<M>> givers = members.stream().filter(c -> !c.witness() && !c.leaving())
                .sorted(Comparator.<Candidate<M>>comparingInt(c -> -load.getOrDefault(c.id(), 0))
                        .thenComparingInt(Candidate::seniority))
                .toList();
        for (Candidate<M> from : givers) {
            for (String v : sorted) {
                if (!from.id().equals(holders.get(v))) {
                    continue;
                }
                Candidate<M> to = members.stream().filter(c -> takes(c, from, v, load))
                        .min(Comparator.<Candidate<M>>comparingInt(c -> load.getOrDefault(c.id(), 0))
                                .thenComparingInt(c -> -c.priority(v))
                                .thenComparingInt(Candidate::seniority))
                        .orElse(null);
                if (to != null) {
                    holders.put(v, to.id());
                    load.merge(from.id(), -1, Integer::sum);
                    load.merge(to.id(), 1, Integer::sum);
                    rebalanced.put(v, from.id());
                    return;
                }
            }
        }
    }

    /** Would {@code to} take {@code v} from {@code from} to even out the load? */
    private static <M> boolean takes(Candidate<M> to, Candidate<M> from, String v, Map<M, Integer> load) {
        return !to.id().equals(from.id()) && to.canHold(v) && to.ready() && !to.leaving()
                && to.priority(v) >= from.priority(v)
                && load.getOrDefault(from.id(), 0) - load.getOrDefault(to.id(), 0) >= 2;
    }

    /**
     * Nothing in motion: the decision is the previous one, each VIP is held by exactly its holder, nobody leaves.
     */
    private static <M> boolean settled(List<Candidate<M>> members, Set<String> sorted, Map<String, M> pending,
                                       Map<String, M> holders) {
        if (members.stream().anyMatch(Candidate::leaving)) {
            return false;
        }
        for (String v : sorted) {
            M h = holders.get(v);
            if (!Objects.equals(h, pending.get(v))) {
                return false;
            }
            for (Candidate<M> c : members) {
                if (c.holds(v) != c.id().equals(h)) {
                    return false;
                }
            }
        }
        return true;
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
