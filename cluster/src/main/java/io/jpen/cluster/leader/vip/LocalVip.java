package io.jpen.cluster.leader.vip;

import io.jpen.cluster.leader.config.VipSpec;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One VIP on this node: where it is in its life cycle and what was last told to the notify scripts. Mutated on the
 * leader thread only, except {@link #want}, which the script runner reads to recognise a stale vip-up.
 */
public final class LocalVip {

    /** Finer than {@link VipState}: the script runs in between. */
    public enum Phase { IDLE, ACQUIRING, MASTER, RELEASING }

    public final VipSpec spec;
    /** Raised by every decision about this VIP; a vip-up queued under an older value is stale. */
    public final AtomicLong want = new AtomicLong();
    public Phase phase = Phase.IDLE;
    /** The state last notified (null before the first notification). */
    public VipState reported;
    /** The state to report once the vip-down in flight finished. */
    public VipState afterRelease = VipState.BACKUP;
    /** Epoch under which it was acquired. */
    public String epoch = "";
    /** When it was acquired (epoch millis). */
    public long since;
    /** Its last vip-up (or renewal) failed: FAULT here until {@link #faultUntil}. */
    public boolean faulted;
    public long faultUntil;
    /** Another member reports holding it too (during a planned move, or after a split). */
    public boolean contested;
    /** The merge generation this holder last announced itself for. */
    public long garpGen;
    /** When a planned release gives up waiting for the successor (epoch millis), 0 if none pending. */
    public long releaseDeadline;
    /**
     * Handed over with forwarding: the address was moved to {@code lo} (vip-handover-release add) so this node's
     * established connections go on while it drains; vip-handover-release del undoes it (exit, or taking it back).
     */
    public boolean onLo;
    /**
     * When the address leaves {@code lo} again although this node keeps running (it was moved away to even out the
     * load; epoch millis), 0 when it stays until exit (a leaving node).
     */
    public long loUntil;
    /** While {@link #onLo}: new connections that arrive here are sent on to the successor (a leaving node). */
    public boolean loForwards;
    /** Successor side of a handover: the old holder this node forwards unknown connections to, null if none. */
    public org.jgroups.Address forwardPeer;
    /** When that forwarding began (epoch millis). */
    public long forwardSince;
    /** When it ends at the latest (epoch millis), even if the old holder is still in the view. */
    public long forwardUntil;
    public ScheduledFuture<?> delayedGarp;
    public ScheduledFuture<?> refreshGarp;

    public LocalVip(VipSpec spec) {
        this.spec = spec;
    }

    public String name() {
        return spec.name();
    }

    /** True while the address is (or may be) on the interface here. */
    public boolean holding() {
        return phase == Phase.MASTER || phase == Phase.RELEASING;
    }

    public void cancelTimers() {
        if (delayedGarp != null) {
            delayedGarp.cancel(false);
            delayedGarp = null;
        }
        if (refreshGarp != null) {
            refreshGarp.cancel(false);
            refreshGarp = null;
        }
    }
}
