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
 * The holder's side of fencing, on a thread of its own that ticks every few milliseconds:
 * <ul>
 *   <li><b>Lifetime renewal.</b> A held VIP is added with a short kernel lifetime ({@code vip_lifetime}); this
 *   thread renews it five times per lifetime. If the process dies or freezes the renewals stop and the kernel
 *   removes the address by itself.</li>
 *   <li><b>Stall detection.</b> If this thread finds that it did not run for longer than the others need to exclude
 *   this node (SIGSTOP, a stalled machine: {@code jgroups_fd_timeout + jgroups_verify_timeout - jgroups_fd_interval}),
 *   the others may already have taken over: every lease is dropped on the spot, before anything else runs, and
 *   {@link Events#onStall} tells the leader to remove the addresses without ARP.</li>
 *   <li><b>Quorum contact.</b> With a quorum, a holder must keep hearing from enough members: if fewer than the
 *   quorum were heard within {@code vip_fence_timeout}, {@link Events#onContact} reports it, which makes the holder
 *   drop its VIPs before the majority (which waits jgroups_fd_timeout + jgroups_verify_timeout) takes over.</li>
 * </ul>
 * Renewal uses {@code ip addr change}, which would re-create a removed address; so renewal and removal of one VIP
 * exclude each other ({@link #release} waits for a renewal in flight), and a released lease is never renewed again.
 *
 * <p>Events are called on this thread and must only hand over to the leader's executor.
 */
public final class LeaseKeeper implements AutoCloseable {

    /** What the keeper reports; implementations enqueue and return. */
    public interface Events {
        void onStall(long stalledMillis);

        void onContact(boolean quorumHeard);

        void onRenewFailed(String vip, ScriptResult result);
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
    private final Events events;
    private final Map<String, Lease> leases = new ConcurrentHashMap<>();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile long lastTickNanos = System.nanoTime();
    private volatile Address self;
    private volatile List<Address> members = List.of();
    private volatile boolean quorumHeard; // written by this thread only

    /**
     * @param fenceTimeout   with a quorum: how long the quorum may stay unheard before the holder lets go
     * @param stallThreshold a pause of this thread longer than this counts as a stall
     */
    public LeaseKeeper(Duration lifetime, Duration fenceTimeout, Duration stallThreshold, int quorum,
                       ContactTracker contacts, Function<VipSpec, ScriptJob> renewJob, Events events,
                       String threadName) {
        this.lifetimeNanos = lifetime.toNanos();
        this.renewNanos = lifetime.toNanos() / 5;
        this.fenceNanos = fenceTimeout.toNanos();
        this.stallNanos = stallThreshold.toNanos();
        this.tickMillis = Math.max(5, Math.min(25, fenceTimeout.toMillis() / 8));
        this.quorum = quorum;
        this.contacts = contacts;
        this.renewJob = renewJob;
        this.events = events;
        this.thread = new Thread(this::loop, threadName);
        this.thread.setDaemon(true);
        // above the JGroups and script threads: a busy machine must not look like a frozen holder
        this.thread.setPriority(Thread.MAX_PRIORITY);
    }

    public void start() {
        thread.start();
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
            renew(now);
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

    private void renew(long now) {
        if (lifetimeNanos == 0) {
            return;
        }
        for (Lease l : leases.values()) {
            if (!l.active || now - l.lastOkNanos < renewNanos) {
                continue;
            }
            ScriptResult r;
            synchronized (l) {
                if (!l.active) {
                    continue;
                }
                r = ScriptRunner.runNow(renewJob.apply(l.vip));
                if (r.ok()) {
                    l.lastOkNanos = now;
                }
            }
            if (!r.ok()) {
                l.active = false; // not again: the leader decides (add it again, or hand the VIP on)
                leases.remove(l.vip.name(), l);
                events.onRenewFailed(l.vip.name(), r);
            }
        }
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
    }
}
