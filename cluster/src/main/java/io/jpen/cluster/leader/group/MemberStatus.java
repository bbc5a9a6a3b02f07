package io.jpen.cluster.leader.group;

import java.util.List;
import java.util.Optional;

/**
 * What a member tells the others about itself: sent to all on every change and after every view change. The
 * coordinator elects from these; members also read each other's {@code holding} facts (make-before-break on a planned
 * move, the settling ARP after a split). Immutable.
 *
 * @param node     the node name, for logs and commands
 * @param witness  only votes, never holds
 * @param eligible healthy (not FAULT) and not stopping
 * @param leaving  handing over (maintenance): chosen only when nobody else can hold
 * @param preempt  may take a VIP from a lower-priority holder, once eligible for {@code preemptDelayMillis}
 * @param vips     the VIPs it is configured for, with its priority and what it actually holds
 * @param drainMillis while leaving: how long it will go on serving its established connections after it let go of
 *                 its VIPs (a successor forwards their packets to it no longer than this, plus a margin); 0 otherwise
 * @param stopping its last word: it has drained and is closing (a successor stops forwarding to it)
 * @param notReady the node's readiness checks that do not pass yet (e.g. "shared state loaded"), empty when ready:
 *                 a node that is not ready is given a VIP only when no ready node can hold it
 */
public record MemberStatus(String node, boolean witness, boolean eligible, boolean leaving, boolean preempt,
                           long preemptDelayMillis, List<VipClaim> vips, long drainMillis, boolean stopping,
                           List<String> notReady) {

    public MemberStatus {
        vips = List.copyOf(vips);
        notReady = List.copyOf(notReady);
    }

    /** A status without drain time (not leaving, or from a node that does not send one), ready. */
    public MemberStatus(String node, boolean witness, boolean eligible, boolean leaving, boolean preempt,
                        long preemptDelayMillis, List<VipClaim> vips) {
        this(node, witness, eligible, leaving, preempt, preemptDelayMillis, vips, 0, false, List.of());
    }

    /** A ready node's status (or one from a node that does not report readiness). */
    public MemberStatus(String node, boolean witness, boolean eligible, boolean leaving, boolean preempt,
                        long preemptDelayMillis, List<VipClaim> vips, long drainMillis, boolean stopping) {
        this(node, witness, eligible, leaving, preempt, preemptDelayMillis, vips, drainMillis, stopping, List.of());
    }

    /** Every readiness check of the node passes. */
    public boolean ready() {
        return notReady.isEmpty();
    }

    /**
     * One VIP as a member sees it.
     *
     * @param holding the address is up on this member (vip-up succeeded, vip-down not yet run)
     * @param since   when it became holder (epoch millis), 0 when not holding: after a split healed, the holder
     *                whose gratuitous ARP came last is the one clients use
     * @param faulted its last vip-up failed (held down for vip_fault_holddown)
     */
    public record VipClaim(String name, String cidr, int priority, boolean holding, long since, boolean faulted) {
    }

    public Optional<VipClaim> claim(String vip) {
        return vips.stream().filter(c -> c.name().equals(vip)).findFirst();
    }

    public boolean holds(String vip) {
        return claim(vip).map(VipClaim::holding).orElse(false);
    }
}
