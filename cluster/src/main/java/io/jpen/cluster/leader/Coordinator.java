package io.jpen.cluster.leader;

import io.jpen.cluster.leader.election.Candidate;
import io.jpen.cluster.leader.election.Election;
import io.jpen.cluster.leader.group.Assignment;
import io.jpen.cluster.leader.group.MemberStatus;
import org.jgroups.Address;
import org.jgroups.View;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The coordinator's bookkeeping around {@link Election}: turns statuses into candidates, remembers since when each
 * member is eligible (preempt delays), numbers the decisions, and raises the ARP generation after a merge. Every
 * member keeps one, so whoever becomes coordinator continues with the same knowledge. Leader thread only.
 */
final class Coordinator {
    /** How long after a view change missing statuses may hold up a decision. */
    static final long STATUS_WAIT_MILLIS = 250;

    private final Map<Address, Long> eligibleSince = new HashMap<>();
    /** What each member's last status said that matters for rebalancing (see {@link #shape}). */
    private final Map<Address, List<Object>> shapes = new HashMap<>();
    /** How long the cluster must have been stable before a VIP moves to even out the load; 0: never. */
    private final long rebalanceDelayMillis;
    /** The last change of the view, or of any member's eligibility, readiness or holdings (epoch millis). */
    private long changedAt;
    private int seq;
    private long garpGen;
    private long mergeGen;
    private long seqView = -1;

    /**
     * @param rebalanceDelayMillis how long the view and every member's state must have stayed the same before a VIP
     *                             is moved to even out the load (vip_rebalance_delay); 0 for never
     */
    Coordinator(long rebalanceDelayMillis) {
        this.rebalanceDelayMillis = rebalanceDelayMillis;
    }

    /** A member's status arrived (or this member's own changed). */
    void status(Address member, MemberStatus s, long now) {
        if (s.eligible() && !s.leaving() && !s.witness()) {
            eligibleSince.putIfAbsent(member, now);
        } else {
            eligibleSince.remove(member);
        }
        List<Object> shape = shape(s);
        if (!shape.equals(shapes.put(member, shape))) {
            changedAt = Math.max(changedAt, now);
        }
    }

    /** The parts of a status whose change restarts the wait before rebalancing. */
    private static List<Object> shape(MemberStatus s) {
        List<String> held = new ArrayList<>();
        List<String> faulted = new ArrayList<>();
        for (MemberStatus.VipClaim c : s.vips()) {
            if (c.holding()) {
                held.add(c.name());
            }
            if (c.faulted()) {
                faulted.add(c.name());
            }
        }
        return List.of(s.eligible(), s.leaving(), s.ready(), held, faulted);
    }

    void view(View v, Assignment last) {
        changedAt = System.currentTimeMillis();
        eligibleSince.keySet().retainAll(v.getMembers());
        shapes.keySet().retainAll(v.getMembers());
        if (last != null) {
            garpGen = Math.max(garpGen, last.garpGen());
        }
    }

    /**
     * After a merge every holder announces itself again (see {@link Assignment#garpGen()}), but only once every
     * member has reported: a holder about to lose its VIP to the other half must not announce it first.
     */
    void merged(View v) {
        mergeGen = v.getViewId().getId();
    }

    /**
     * Decides for the current view.
     *
     * @param statuses     the known statuses (of view members)
     * @param previous     the last decision seen (any view), for incumbency of members that have not reported yet
     * @param quorum       required members, 0 for none
     * @param installedAt  when the view was installed (epoch millis)
     * @return the new assignment (null if nothing changed) and when to decide again
     */
    Outcome decide(View view, Map<Address, MemberStatus> statuses, Assignment previous, int quorum,
                   long installedAt, long now, java.util.function.ToLongBiFunction<Address, String> safeTakeoverAt) {
        List<Address> mbrs = view.getMembers();
        List<Candidate<Address>> candidates = new ArrayList<>();
        Set<String> vips = new HashSet<>();
        for (int i = 0; i < mbrs.size(); i++) {
            Address a = mbrs.get(i);
            MemberStatus s = statuses.get(a);
            if (s == null) {
                continue;
            }
            Map<String, Integer> prio = new HashMap<>();
            Map<String, Long> holding = new HashMap<>();
            Set<String> faulted = new HashSet<>();
            for (MemberStatus.VipClaim c : s.vips()) {
                vips.add(c.name());
                prio.put(c.name(), c.priority());
                if (c.holding()) {
                    holding.put(c.name(), c.since());
                }
                if (c.faulted()) {
                    faulted.add(c.name());
                }
            }
            long since = eligibleSince.getOrDefault(a, Long.MAX_VALUE);
            long preemptAt = s.preempt() && since != Long.MAX_VALUE ? since + s.preemptDelayMillis() : Long.MAX_VALUE;
            candidates.add(new Candidate<>(a, i, s.eligible(), s.witness(), s.leaving(), preemptAt, prio, holding, faulted,
                    s.ready()));
        }
        boolean complete = candidates.size() == mbrs.size();
        boolean waiting = !complete && now < installedAt + STATUS_WAIT_MILLIS;
        if (waiting) {
            // decide nothing with half the facts (after a merge a holder's status may not be here yet): members keep
            // what they do until everyone has reported, or the wait is over
            return new Outcome(null, installedAt + STATUS_WAIT_MILLIS);
        }
        Map<String, Address> pending = new HashMap<>();
        if (previous != null) {
            for (Map.Entry<String, Address> e : previous.holders().entrySet()) {
                if (mbrs.contains(e.getValue())) {
                    pending.put(e.getKey(), e.getValue());
                }
            }
        }
        boolean quorumMet = quorum == 0 || mbrs.size() >= quorum;
        Election.Rebalance rebalance = Election.Rebalance.OFF;
        long rebalanceAt = Long.MAX_VALUE;
        if (rebalanceDelayMillis > 0) {
            rebalanceAt = Math.max(changedAt, installedAt) + rebalanceDelayMillis;
            rebalance = now >= rebalanceAt ? Election.Rebalance.START : Election.Rebalance.CONTINUE;
        }
        Election.Result<Address> r = Election.decide(candidates, vips, pending, quorumMet, complete, now, rebalance);
        long recheck = r.recheckAt();
        if (rebalance == Election.Rebalance.CONTINUE) {
            recheck = Math.min(recheck, rebalanceAt); // the cluster will have been stable long enough then
        }
        if (mergeGen != 0) {
            garpGen = Math.max(garpGen, mergeGen);
            mergeGen = 0;
        }
        Map<String, Address> holders = new HashMap<>(r.holders());
        if (previous != null) {
            for (Map.Entry<String, Address> e : previous.holders().entrySet()) {
                Address gone = e.getValue();
                if (mbrs.contains(gone) || !holders.containsKey(e.getKey())) {
                    continue;
                }
                long at = safeTakeoverAt.applyAsLong(gone, e.getKey());
                if (at > now) {
                    holders.remove(e.getKey()); // undecided until the vanished holder has surely let go
                    recheck = Math.min(recheck, at);
                }
            }
        }
        long viewId = view.getViewId().getId();
        Map<String, Address> from = handovers(holders, statuses, mbrs, r.rebalanced(), previous);
        Assignment next = new Assignment(viewId, 0, garpGen, holders, r.unheld(), from);
        if (previous != null && previous.viewId() == viewId && previous.garpGen() == garpGen
                && next.sameDecision(previous)) {
            return new Outcome(null, recheck);
        }
        if (seqView != viewId) {
            seqView = viewId;
            seq = 0;
        }
        seq++;
        return new Outcome(new Assignment(viewId, seq, garpGen, holders, r.unheld(), from), recheck);
    }

    /**
     * The planned moves: for each VIP given to a member other than one that holds it and hands it over, that member.
     * A member hands a VIP over when it is leaving, or when the VIP moves away from it to even out the load (decided
     * now, or earlier in this move: the old holder keeps the VIP until the new one reports holding it).
     */
    private static Map<String, Address> handovers(Map<String, Address> holders, Map<Address, MemberStatus> statuses,
                                                  List<Address> mbrs, Map<String, Address> rebalanced,
                                                  Assignment previous) {
        Map<String, Address> from = new HashMap<>();
        for (Map.Entry<String, Address> e : holders.entrySet()) {
            String v = e.getKey();
            for (Address m : mbrs) {
                MemberStatus s = statuses.get(m);
                if (m.equals(e.getValue()) || s == null || !s.holds(v)) {
                    continue;
                }
                boolean moving = m.equals(rebalanced.get(v))
                        || (previous != null && m.equals(previous.handoverFrom().get(v))
                        && e.getValue().equals(previous.holders().get(v)));
                if (s.leaving() || moving) {
                    from.put(v, m);
                }
            }
        }
        return from;
    }

    /** A decision to send (or null) and when to decide again ({@code Long.MAX_VALUE}: only on events). */
    record Outcome(Assignment assignment, long recheckAt) {
    }
}
