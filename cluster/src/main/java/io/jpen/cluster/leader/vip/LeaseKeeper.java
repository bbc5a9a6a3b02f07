package io.jpen.cluster.leader.vip;

import io.jpen.cluster.leader.config.VipSpec;
import io.jpen.cluster.leader.group.ContactTracker;
import io.jpen.cluster.leader.script.ScriptJob;
import io.jpen.cluster.leader.script.ScriptResult;
import io.jpen.cluster.leader.script.ScriptRunner;
import org.jgroups.Address;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The holder's side of fencing, on two threads of its own:
 * <ul>
 *   <li><b>Lifetime renewal</b> (thread {@code NAME-renew}). A held VIP is added with a short kernel lifetime
 *   ({@code vip_lifetime}); it is renewed five times per lifetime. If the process dies or freezes the renewals stop
 *   and the kernel removes the address by itself. A renewal that finds the address gone (it ran out: renewals came
 *   late on a starved machine, though this node never stood still long enough to be excluded) adds it again at
 *   once with {@code vip-up}, gratuitous ARP included, and says so ({@link Events#onReadded}).</li>
 *   <li><b>Stall detection</b> (thread {@code NAME}, which does nothing slow: a script that takes long on a busy
 *   machine must not look like a frozen node). If this thread finds that it did not run for longer than the others
 *   need to exclude this node (SIGSTOP, a stalled machine: {@code jgroups_fd_timeout + jgroups_verify_timeout -
 *   jgroups_fd_interval}), the others may already have taken over: every lease is dropped on the spot, before
 *   anything else runs, and {@link Events#onStall} tells the leader to remove the addresses without ARP. The renewal
 *   thread renews nothing while this thread has not ticked recently, so it cannot renew an address across a freeze
 *   before the stall is noticed.</li>
 *   <li><b>Quorum contact</b> (the same thread). With a quorum, a holder must keep hearing from enough members: if
 *   fewer than the quorum were heard within {@code vip_fence_timeout}, {@link Events#onContact} reports it, which
 *   makes the holder drop its VIPs before the majority (which waits jgroups_fd_timeout + jgroups_verify_timeout) takes
 *   over.</li>
 * </ul>
 * Renewal uses {@code ip addr change}, which would re-create a removed address; so renewal and removal of one VIP
 * exclude each other ({@link #release} waits for a renewal or re-add in flight), and a released lease is never
 * renewed again.
 *
 * <p>Events are called on these threads and must only hand over to the leader's executor.
 */
public final class LeaseKeeper implements AutoCloseable {

    /** What the keeper reports; implementations enqueue and return. */
    public interface Events {
        void onStall(long stalledMillis);

        void onContact(boolean quorumHeard);

        /** A renewal (or the re-add after an expiry) failed: the lease is no longer renewed. */
        void onRenewFailed(String vip, ScriptResult result);

        /** The address had run out before its renewal and was added again (with gratuitous ARP). */
        void onReadded(String vip, long lateMillis);
    }

    private static final class Lease {
        final VipSpec vip;
        volatile boolean active = true;
        volatile long lastOkNanos;

        Lease(VipSpec vip, long now) {
            this.vip = vip;
            this.lastOkNanos = now;
        }
    }

    private final long lifetimeNanos;
    private final long renewNanos;
    private final long fenceNanos;
    private final long stallNanos;
    private final long tickMillis;
    private final int quorum;
    private final ContactTracker contacts;
    private final Function<VipSpec, ScriptJob> renewJob;
    private final Function<VipSpec, ScriptJob> readdJob;
    private final Events events;
    private final Map<String, Lease> leases = new ConcurrentHashMap<>();
    private final Thread thread;
    private final Thread renewer;
    private final java.util.concurrent.Semaphore due = new java.util.concurrent.Semaphore(0);
    private volatile boolean running = true;
    private volatile long lastTickNanos = System.nanoTime();
    private volatile Address self;
    private volatile List<Address> members = List.of();
    private volatile boolean quorumHeard; // written by the tick thread only

    /**
     * @param fenceTimeout   with a quorum: how long the quorum may stay unheard before the holder lets go
     * @param stallThreshold a pause of the tick thread longer than this counts as a stall
     * @param readdJob       adds an address that ran out again (vip-up: with a fresh lifetime and gratuitous ARP)
     */
    public LeaseKeeper(Duration lifetime, Duration fenceTimeout, Duration stallThreshold, int quorum,
                       ContactTracker contacts, Function<VipSpec, ScriptJob> renewJob,
                       Function<VipSpec, ScriptJob> readdJob, Events events, String threadName) {
        this.lifetimeNanos = lifetime.toNanos();
        this.renewNanos = lifetime.toNanos() / 5;
        this.fenceNanos = fenceTimeout.toNanos();
        this.stallNanos = stallThreshold.toNanos();
        this.tickMillis = Math.max(5, Math.min(25, fenceTimeout.toMillis() / 8));
        this.quorum = quorum;
        this.contacts = contacts;
        this.renewJob = renewJob;
        this.readdJob = readdJob;
        this.events = events;
        this.thread = new Thread(this::loop, threadName);
        this.thread.setDaemon(true);
        // above the JGroups and script threads (where the JVM maps priorities to the OS)
        this.thread.setPriority(Thread.MAX_PRIORITY);
        this.renewer = new Thread(this::renewLoop, threadName + "-renew");
        this.renewer.setDaemon(true);
        this.renewer.setPriority(Thread.MAX_PRIORITY);
    }

    public void start() {
        thread.start();
        renewer.start();
    }

    /** The current view, for the quorum contact check. */
    public void view(Address self, List<Address> members) {
        this.self = self;
        this.members = List.copyOf(members);
    }

    /** Starts renewing {@code vip}: called right after vip-up added it (with its full lifetime). */
    public void hold(VipSpec vip) {
        leases.put(vip.name(), new Lease(vip, System.nanoTime()));
    }

    /**
     * Stops renewing {@code vip} and returns once no renewal of it is in flight, so a vip-down that follows cannot
     * be undone by a late renewal. Called on the script runner's thread right before vip-down.
     */
    public void release(String vip) {
        Lease l = leases.remove(vip);
        if (l != null) {
            l.active = false;
            synchronized (l) {
                // a renewal in flight finished; none will start (active is false)
            }
        }
    }

    /**
     * True while {@code vip} is held and its lease is fresh: this thread ran recently and (with a lifetime) the
     * address was renewed recently. Gratuitous ARP is only sent while this holds: a node that just woke up from a
     * freeze must not announce an address somebody else may hold now.
     */
    public boolean fresh(String vip) {
        Lease l = leases.get(vip);
        long now = System.nanoTime();
        if (l == null || !l.active || now - lastTickNanos > stallNanos) {
            return false;
        }
        return lifetimeNanos == 0 || now - l.lastOkNanos < lifetimeNanos * 3 / 4;
    }

    /** Whether the quorum was heard from at the last tick (always true without a quorum). */
    public boolean quorumHeard() {
        return quorum == 0 || quorumHeard;
    }

    private void loop() {
        while (running) {
            try {
                Thread.sleep(tickMillis);
            } catch (InterruptedException e) {
                return;
            }
            long now = System.nanoTime();
            long gap = now - lastTickNanos;
            lastTickNanos = now;
            if (gap > stallNanos) {
                for (Lease l : leases.values()) {
                    l.active = false; // nothing renews or announces until the leader decides again
                }
                leases.clear();
                events.onStall(gap / 1_000_000);
                continue;
            }
            checkContact();
            if (lifetimeNanos > 0 && leases.values().stream().anyMatch(l -> l.active && now - l.lastOkNanos >= renewNanos)
                    && due.availablePermits() == 0) {
                due.release();
            }
        }
    }

    /** The renewal thread: renews (or re-adds) each lease that is due, when the tick thread asks. */
    private void renewLoop() {
        while (running) {
            try {
                due.acquire();
            } catch (InterruptedException e) {
                return;
            }
            due.drainPermits();
            for (Lease l : leases.values()) {
                renew(l);
            }
        }
    }

    private void checkContact() {
        if (quorum == 0) {
            return;
        }
        Address me = self;
        int heard = 1;
        for (Address m : members) {
            if (!m.equals(me) && contacts.heardWithin(m, fenceNanos)) {
                heard++;
            }
        }
        boolean ok = heard >= quorum;
        if (ok != quorumHeard) {
            quorumHeard = ok;
            events.onContact(ok);
        }
    }

    private void renew(Lease l) {
        ScriptResult r;
        synchronized (l) {
            long start = System.nanoTime();
            // not across a freeze: the tick thread judges a stall first (the others may have taken over meanwhile)
            if (!l.active || start - l.lastOkNanos < renewNanos || start - lastTickNanos > stallNanos) {
                return;
            }
            r = ScriptRunner.runNow(renewJob.apply(l.vip));
            if (r.ok()) {
                l.lastOkNanos = start; // the new lifetime counts from no later than this
                return;
            }
            if (r.exitCode() == 2) {
                if (!l.active || System.nanoTime() - lastTickNanos > stallNanos) {
                    return; // released meanwhile, or a stall: the tick thread and the leader take it from here
                }
                // the address ran out before this renewal: still the holder (nothing stood still), so add it again
                long late = (start - l.lastOkNanos - lifetimeNanos) / 1_000_000;
                r = ScriptRunner.runNow(readdJob.apply(l.vip));
                if (r.ok()) {
                    l.lastOkNanos = start;
                    events.onReadded(l.vip.name(), Math.max(0, late));
                    return;
                }
            }
        }
        if (r.outcome() == ScriptResult.Outcome.SKIPPED) {
            return;
        }
        l.active = false; // not again: the leader decides (a FAULT, the VIP goes to another node)
        leases.remove(l.vip.name(), l);
        events.onRenewFailed(l.vip.name(), r);
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        renewer.interrupt();
    }
}
