package io.jpen.cluster.leader;

import io.jpen.cluster.leader.config.LeaderOptions;
import io.jpen.cluster.leader.config.VipSpec;
import io.jpen.cluster.leader.group.Assignment;
import io.jpen.cluster.leader.group.GroupChannel;
import io.jpen.cluster.leader.group.MemberStatus;
import io.jpen.cluster.leader.group.Probe;
import io.jpen.cluster.leader.group.ProbeAck;
import io.jpen.cluster.leader.script.ScriptJob;
import io.jpen.cluster.leader.script.ScriptResult;
import io.jpen.cluster.leader.script.ScriptRunner;
import io.jpen.cluster.leader.script.VipScripts;
import io.jpen.cluster.leader.track.Health;
import io.jpen.cluster.leader.track.HealthTracker;
import io.jpen.cluster.leader.vip.LeaseKeeper;
import io.jpen.cluster.leader.vip.LocalVip;
import io.jpen.cluster.leader.vip.LocalVip.Phase;
import io.jpen.cluster.leader.vip.TransitionLog;
import io.jpen.cluster.leader.vip.VipState;
import org.jgroups.Address;
import org.jgroups.MergeView;
import org.jgroups.View;
import org.jgroups.stack.Protocol;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Leadership on one node (or witness): joins the JGroups channel, publishes this node's status, elects VIP holders
 * while it is the coordinator, and moves this node's VIPs between MASTER, BACKUP, FAULT and STOP by running the
 * scripts in order. See {@code docs/leadership.md} for the protocol; in short:
 * <ul>
 *   <li>every member sends its {@link MemberStatus} (eligibility, priorities, what it holds) to all;</li>
 *   <li>the coordinator (first member of the view) decides with {@link io.jpen.cluster.leader.election.Election}
 *   and sends an {@link Assignment} for the current view;</li>
 *   <li>a member takes a VIP only when the assignment for its current view names it and it may hold (healthy,
 *   quorum, not fenced); it drops one at once when it may not hold, when nobody may, or after a stall; it hands one
 *   to a successor make-before-break (it removes the address only once the successor reports holding it).</li>
 *   <li>in a planned handover (the holder is leaving) the successor first forwards packets of connections it does
 *   not know to the old holder, which then keeps the address on {@code lo} instead of removing it and drains its
 *   established connections; the successor stops forwarding once the old holder says it stops (or its drain time
 *   is over). See docs/leadership.md section 5.</li>
 * </ul>
 *
 * <p>Threading: every event (JGroups view and messages, script results, tracking, fencing, timers, commands) is
 * handed to one leader thread, which owns all the state below; nothing here runs on a JGroups, Netty or script
 * thread, and nothing blocks the leader thread except a lease release waiting for a renewal in flight (a few ms).
 */
public final class LeaderService implements AutoCloseable {
    private final Logger log;
    private final LeaderOptions o;
    private final String node;
    private final VipScripts scripts;
    private final ScriptRunner runner;
    private final TransitionLog history = new TransitionLog(50);
    private final ScheduledThreadPoolExecutor exec;
    private final Map<String, LocalVip> vips = new LinkedHashMap<>();
    private final Coordinator coordinator;
    private final BooleanSupplier listenerHealthy;
    /** The node's readiness checks that do not pass (NodeContext#notReady); polled, never blocks. */
    private final Supplier<List<String>> readiness;
    private final BiConsumer<Long, String> networkRestored;
    private final List<Protocol> faults;
    /** The node's listening port: forwarding in a handover is limited to it (0: every TCP port of the VIP). */
    private final int servicePort;
    /** vip_handover_forward is on and the scripts for it are there. */
    private final boolean forwarding;

    // ---- set up at start, then read-only
    private GroupChannel channel;
    private LeaseKeeper lease;
    private HealthTracker tracker;

    // ---- leader thread only
    private volatile View view; // volatile: also read by JGroups threads answering probes
    private volatile long viewId = -1;
    private long viewInstalledAt;
    private Address me;
    private final Map<Address, MemberStatus> statuses = new HashMap<>();
    /** Statuses from members not (yet) in this node's view: a merge installs at different moments on each member. */
    private final Map<Address, MemberStatus> early = new HashMap<>();
    /** The last status of members that left the view (did a vanished holder still hold?). */
    private final Map<Address, MemberStatus> departed = new HashMap<>();
    private Assignment assignment;
    private MemberStatus lastSent;
    private boolean forceStatus;
    private Health health = Health.OK;
    /** Wall clock: when a VIP interface went down (0: down since the start). */
    private long interfacesDownSince;
    private boolean leaving;
    private boolean stopping;
    private Fence fence;
    private ScheduledFuture<?> recheck;
    private final List<CompletableFuture<String>> handovers = new ArrayList<>();
    /** While leaving: how long this node will drain after letting go (sent in its status, see MemberStatus). */
    private long drainMillis;
    private volatile boolean fenced; // mirrors fence != null for the script runner's staleness checks
    private long startupHoldUntil; // see startupHold()
    private boolean metOthers; // this node has been in a view with other members
    /** The readiness checks that did not pass at the last poll (empty: ready). */
    private List<String> notReady = List.of();

    /** The tracker polls the interfaces every 100 ms: a fault starts up to one poll before it is seen (twice: margin). */
    private static final long INTERFACE_POLL_SLACK_MILLIS = 200;
    /** How often the node's readiness checks are polled (a change is sent to the others at once). */
    private static final long READINESS_POLL_MILLIS = 200;
    /** How often a node that stood still asks its peers again, and for how long at most. */
    private static final long PROBE_REPEAT_MILLIS = 50;
    private static final long PROBE_GIVE_UP_MILLIS = 1000;

    /**
     * After a stall: while {@code probing}, this node keeps its VIPs (not renewed, not announced) and asks its peers
     * whether it is still in their view; once it knows it is not (or gets no answer), it drops them and takes none
     * until one of the conditions in {@link #unfence()}.
     */
    private static final class Fence {
        final long nonce;
        final long viewId;
        final Set<Address> peers;
        final Set<Address> confirmed = new java.util.HashSet<>();
        final long holdUntil;
        boolean probing = true;

        Fence(long nonce, long viewId, Set<Address> peers, long holdUntil) {
            this.nonce = nonce;
            this.viewId = viewId;
            this.peers = peers;
            this.holdUntil = holdUntil;
        }
    }

    /**
     * @param listenerHealthy whether the node's listener accepts (tracked); always true for a witness
     * @param faults          protocols placed above the transport, for tests (DISCARD); empty in production
     */
    public LeaderService(LeaderOptions options, String nodeName, BooleanSupplier listenerHealthy, List<Protocol> faults) {
        this(options, nodeName, listenerHealthy, faults, 0);
    }

    /**
     * @param servicePort the node's listening TCP port, to which a handover's forwarding is limited (0: any port)
     */
    public LeaderService(LeaderOptions options, String nodeName, BooleanSupplier listenerHealthy, List<Protocol> faults,
                         int servicePort) {
        this(options, nodeName, listenerHealthy, faults, servicePort, List::of);
    }

    /**
     * @param readiness the node's readiness checks that do not pass now (empty when ready), e.g. "shared state
     *                  loaded": while it is not empty this node is given a VIP only if no ready node can hold it.
     *                  Polled from the leader thread; must be cheap and must not block
     */
    public LeaderService(LeaderOptions options, String nodeName, BooleanSupplier listenerHealthy, List<Protocol> faults,
                         int servicePort, Supplier<List<String>> readiness) {
        this(options, nodeName, listenerHealthy, faults, servicePort, readiness, (since, why) -> {
        });
    }

    /**
     * @param networkRestored told (wall-clock start of the fault, what came back) when a tracked VIP interface is up
     *                        again after it was down: the node re-checks the blacklistings it made meanwhile
     *                        (NodeContext#networkRestored). Called on the leader thread; must return at once
     */
    public LeaderService(LeaderOptions options, String nodeName, BooleanSupplier listenerHealthy, List<Protocol> faults,
                         int servicePort, Supplier<List<String>> readiness, BiConsumer<Long, String> networkRestored) {
        this.o = options;
        this.networkRestored = networkRestored;
        this.readiness = readiness;
        this.coordinator = new Coordinator(options.rebalanceDelay().toMillis());
        this.servicePort = servicePort;
        this.node = nodeName;
        this.log = LoggerFactory.getLogger("jpen.leader." + nodeName);
        this.listenerHealthy = listenerHealthy;
        this.faults = List.copyOf(faults);
        this.scripts = options.witness() ? null : new VipScripts(options.scripts(), nodeName);
        this.forwarding = scripts != null && options.handoverForward() && scripts.handoverScripts();
        this.runner = new ScriptRunner("jpen-vip-scripts");
        this.exec = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "jpen-leader");
            t.setDaemon(true);
            return t;
        });
        exec.setRemoveOnCancelPolicy(true);
        for (VipSpec v : options.vips()) {
            vips.put(v.name(), new LocalVip(v));
        }
    }

    // =====================================================================================================  lifecycle

    /**
     * Starts in BACKUP (FAULT if tracking says so), like keepalived: removes any VIP a previous run left behind,
     * notifies, then joins the cluster in the background. Returns at once.
     */
    public void start() throws Exception {
        log.info("leadership starting: {}", o.describe());
        if (o.quorum() == 0 && !o.witness()) {
            log.warn("no quorum configured (vip_quorum off): like keepalived, a node cut off from the others will "
                    + "hold its VIPs too; configure vip_quorum=majority and a witness to prevent two holders");
        }
        channel = new GroupChannel(o.group(), node, new ChannelEvents(), faults);
        if (!o.witness()) {
            tracker = new HealthTracker(o.track(), vips.values().stream().map(v -> v.spec.iface()).toList(),
                    listenerHealthy, h -> {
                        long at = System.currentTimeMillis();
                        post(() -> onHealth(h, at));
                    }, node);
            lease = new LeaseKeeper(o.scripts().lifetime(), o.fenceTimeout(), o.group().stallThreshold(), o.quorum(),
                    channel.contacts(), scripts::renew, spec -> scripts.up(spec, epochOf(spec.name()), null),
                    new LeaseEvents(), "jpen-vip-lease");
            Health h = tracker.start();
            if (o.handoverForward() && !scripts.handoverScripts()) {
                log.warn("no vip-handover-forward/vip-handover-release in {}: a handover will reset the connections "
                        + "that go through the VIP", o.scripts().dir());
            }
            exec.execute(() -> {
                health = h;
                for (LocalVip v : vips.values()) {
                    // a crash of the previous run may have left the address behind (on its interface, or on lo
                    // with the forwarding of a handover): never start holding it
                    if (scripts.handoverScripts()) {
                        runner.submit(scripts.forwardDel(v.spec, "0"));
                        runner.submit(scripts.releaseDel(v.spec, "0", "BACKUP"));
                    }
                    runner.submit(scripts.down(v.spec, "0", "BACKUP"));
                    report(v, h.ok() ? VipState.BACKUP : VipState.FAULT, "start");
                }
            });
            lease.start();
        }
        long grace = o.group().joinTimeout().plus(o.group().mergeMax().multipliedBy(3)).toMillis();
        exec.execute(() -> {
            startupHoldUntil = System.currentTimeMillis() + grace;
            exec.schedule(this::update, grace + 1, TimeUnit.MILLISECONDS);
            pollReadiness();
        });
        if (!o.witness()) {
            exec.scheduleWithFixedDelay(this::pollReadiness, READINESS_POLL_MILLIS, READINESS_POLL_MILLIS,
                    TimeUnit.MILLISECONDS);
        }
        Thread join = new Thread(this::join, "jpen-leader-join");
        join.setDaemon(true);
        join.start();
    }

    private void join() {
        while (!exec.isShutdown()) {
            try {
                channel.connect();
                return;
            } catch (Exception e) {
                log.error("cannot join the leadership group on {}:{} (retrying in 2 s): {}",
                        o.group().bind().getHostAddress(), o.group().port(), e.toString());
                try {
                    Thread.sleep(2000); // our own thread; nothing else waits for it
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    /** {@link #handover(Duration)} with the drain time {@code vip_handover_drain}. */
    public CompletableFuture<String> handover() {
        return handover(o.handoverDrain());
    }

    /**
     * Planned maintenance: this node stops being eligible, its VIPs move to other nodes (each successor adds the
     * address before this node removes it). Completes, with a one-line summary, when this node holds no VIP any more,
     * when no other node can take them (they stay here until exit), or after {@code vip_handover_timeout}.
     *
     * @param drain how long the node will go on serving its open connections afterwards (the caller drains; this
     *              bounds how long a successor forwards to this node and how long the VIP may stay on lo here)
     */
    public CompletableFuture<String> handover(Duration drain) {
        CompletableFuture<String> f = new CompletableFuture<>();
        exec.execute(() -> {
            if (!leaving) {
                drainMillis = drain.toMillis();
                leaving = true;
                history.add("handover", "leaving: VIPs move to other nodes");
                log.info("handover: moving VIPs away before draining");
            }
            handovers.add(f);
            exec.schedule(() -> finishHandovers(true), o.handoverTimeout().toMillis(), TimeUnit.MILLISECONDS);
            update();
        });
        return f;
    }

    /** Blocking form of {@link #handover(Duration)}: waits at most the handover timeout plus a second. */
    public String handoverAndWait(Duration drain) {
        try {
            return handover(drain).get(o.handoverTimeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        } catch (ExecutionException | TimeoutException e) {
            return "handover did not finish: " + e;
        }
    }

    /**
     * Stops: every VIP still held is removed and every VIP notified STOP (in order, waiting for the scripts up to a
     * timeout), then the node leaves the group (the others see it go at once, not after failure detection).
     */
    @Override
    public void close() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        try {
            exec.execute(() -> {
                stopping = true;
                for (LocalVip v : vips.values()) {
                    stopVip(v);
                }
                sendStatus();
                done.complete(null);
            });
            done.get(2, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.warn("leadership stop: {}", e.toString());
        }
        if (tracker != null) {
            tracker.close();
        }
        if (lease != null) {
            lease.close();
        }
        runner.close(o.scripts().timeout().toMillis() * 2 + 500); // the final vip-down and notify STOP
        exec.shutdownNow();
        if (channel != null) {
            channel.close();
        }
        log.info("leadership stopped");
    }

    // =====================================================================================================  events

    /** Hands an event to the leader thread; after {@link #close()} events are dropped. */
    private void post(Runnable r) {
        try {
            exec.execute(r);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // stopping
        }
    }

    /** JGroups events, on JGroups threads: enqueue and return. */
    private final class ChannelEvents implements GroupChannel.Listener {
        @Override
        public void onView(View v) {
            post(() -> LeaderService.this.onView(v));
        }

        @Override
        public void onStatus(Address from, MemberStatus s) {
            post(() -> LeaderService.this.onStatus(from, s));
        }

        @Override
        public void onAssignment(Address from, Assignment a) {
            post(() -> LeaderService.this.onAssignment(from, a));
        }

        @Override
        public void onProbe(Address from, Probe p) {
            // answered here, on the JGroups thread: the leader thread may be the one that is busy
            View v = view;
            boolean same = v != null && v.containsMember(from) && p.viewId() == viewId;
            channel.send(from, new ProbeAck(p.nonce(), same));
        }

        @Override
        public void onProbeAck(Address from, ProbeAck a) {
            post(() -> LeaderService.this.onProbeAck(from, a));
        }
    }

    /** Fencing events, on the lease thread: enqueue and return. */
    private final class LeaseEvents implements LeaseKeeper.Events {
        @Override
        public void onStall(long stalledMillis) {
            fenced = true; // at once: a queued gratuitous ARP must see it
            post(() -> LeaderService.this.onStall(stalledMillis));
        }

        @Override
        public void onContact(boolean quorumHeard) {
            post(() -> LeaderService.this.onContact(quorumHeard));
        }

        @Override
        public void onRenewFailed(String vip, ScriptResult r) {
            post(() -> LeaderService.this.onRenewFailed(vip, r));
        }

        @Override
        public void onReadded(String vip, long lateMillis) {
            post(() -> {
                log.warn("{}: the address ran out before it was renewed (renewal {} ms late: a starved machine?); "
                        + "added again, with gratuitous ARP", vip, lateMillis);
                history.add(vip + " re-added", "ran out " + lateMillis + " ms before its renewal");
            });
        }
    }

    /** The epoch a VIP was acquired under (for the environment of a re-add on the lease thread; a plain read). */
    private String epochOf(String vip) {
        LocalVip v = vips.get(vip);
        return v == null ? "0" : v.epoch;
    }

    private void onView(View v) {
        boolean merge = v instanceof MergeView;
        view = v;
        metOthers |= v.size() > 1;
        viewId = v.getViewId().getId();
        viewInstalledAt = System.currentTimeMillis();
        me = channel.address();
        for (Map.Entry<Address, MemberStatus> e : statuses.entrySet()) {
            if (!v.containsMember(e.getKey())) {
                departed.put(e.getKey(), e.getValue());
            }
        }
        if (departed.size() > 64) {
            departed.clear();
        }
        statuses.keySet().retainAll(v.getMembers());
        if (merge) {
            // what the other halves did meanwhile (who took which VIP) was never sent here: ask everyone afresh (every
            // member sends its status after a view change) and decide once all have answered
            statuses.keySet().removeIf(a -> !a.equals(channel.address()));
        }
        for (Address a : v.getMembers()) {
            MemberStatus s = early.remove(a);
            if (s != null) {
                statuses.put(a, s);
                coordinator.status(a, s, viewInstalledAt);
            }
        }
        if (early.size() > 64) {
            early.clear();
        }
        long minute = TimeUnit.MINUTES.toNanos(1);
        channel.contacts().prune(v.getMembers(), minute);
        channel.crashes().prune(minute);
        coordinator.view(v, assignment);
        if (lease != null) {
            lease.view(me, v.getMembers());
        }
        boolean coord = Objects.equals(v.getCoord(), me);
        if (merge && coord) {
            coordinator.merged(v);
        }
        String q = o.quorum() == 0 ? "no quorum" : "quorum " + o.quorum() + (quorumByView() ? " met" : " NOT met");
        log.info("view {}{}: coordinator {}, {}", v, merge ? " (merge of " + ((MergeView) v).getSubgroups() + ")" : "",
                v.getCoord(), q);
        history.add("view " + v, (merge ? "merge, " : "") + q);
        forceStatus = true;
        update();
    }

    private void onStatus(Address from, MemberStatus s) {
        if (view == null || !view.containsMember(from)) {
            early.put(from, s); // a member of a view this node installs next (a merge, a join)
            return;
        }
        statuses.put(from, s);
        coordinator.status(from, s, System.currentTimeMillis());
        update();
        resendIfContradicted(from, s);
    }

    /**
     * A member reports holding a VIP the current decision gives to someone else (or to nobody): it may have missed
     * the decision (it installed the view later than the decision arrived). The coordinator sends it again.
     */
    private void resendIfContradicted(Address from, MemberStatus s) {
        Assignment a = assignment;
        if (a == null || a.viewId() != viewId || !Objects.equals(view.getCoord(), me)) {
            return;
        }
        for (MemberStatus.VipClaim c : s.vips()) {
            Address h = a.holders().get(c.name());
            if (c.holding() && ((h != null && !h.equals(from)) || a.unheld().contains(c.name()))) {
                log.debug("{} still holds {} (epoch {}): sending the decision again", from, c.name(), a.epoch());
                channel.send(a);
                return;
            }
        }
    }

    private void onAssignment(Address from, Assignment a) {
        boolean fromCoord = view != null && Objects.equals(view.getCoord(), from);
        boolean newer = assignment == null || a.viewId() > assignment.viewId()
                || (a.viewId() == assignment.viewId() && a.seq() > assignment.seq());
        if (!fromCoord && !(newer && a.viewId() > viewId)) {
            log.debug("ignoring assignment {} from {} (coordinator {})", a.epoch(), from, view == null ? null : view.getCoord());
            return;
        }
        if (newer || fromCoord) {
            assignment = a;
            update();
        }
    }

    /**
     * Reads the node's readiness checks; on a change, logs it (transitions only) and tells the others (the status
     * carries them). A node that is not ready is chosen for a VIP only when no ready node can hold it.
     */
    private void pollReadiness() {
        List<String> now;
        try {
            now = o.witness() ? List.of() : List.copyOf(readiness.get());
        } catch (RuntimeException e) {
            now = List.of("readiness check failed: " + e);
        }
        if (now.equals(notReady)) {
            return;
        }
        List<String> was = notReady;
        notReady = now;
        if (now.isEmpty()) {
            log.info("ready ({} passed): may be given a VIP", String.join(", ", was));
            history.add("ready", String.join(", ", was) + " passed");
        } else {
            log.info("not ready ({}): given a VIP only if no ready node can hold it", String.join(", ", now));
            history.add("not ready", String.join(", ", now));
        }
        update();
    }

    /** @param at wall-clock time the tracker saw the change */
    private void onHealth(Health h, long at) {
        if (health.downInterfaces().isEmpty() && !h.downInterfaces().isEmpty()) {
            // the tracker polls every 100 ms: connects that failed since the link went down may be stamped earlier
            interfacesDownSince = at - INTERFACE_POLL_SLACK_MILLIS;
        } else if (!health.downInterfaces().isEmpty() && h.downInterfaces().isEmpty()) {
            networkRestored.accept(interfacesDownSince,
                    "interface " + String.join(", ", health.downInterfaces()) + " came back");
        }
        health = h;
        history.add("tracking", h.reason());
        update();
    }

    /**
     * This node stood still longer than the others need to exclude it. Its VIPs are no longer renewed or announced
     * (the lease thread stopped that already); it asks every peer whether it is still in their view, again every
     * {@value #PROBE_REPEAT_MILLIS} ms. All say yes: it carries on (a stall nobody noticed). One says no: it drops its
     * VIPs at once, without ARP. Peers that do not answer are not taken for a no at once: the node keeps asking until
     * its own failure detection changes the view (then the new view decides if it keeps a peer that confirmed, or
     * every peer asked; see {@link #unfence()}) or {@value #PROBE_GIVE_UP_MILLIS} ms have passed (then it assumes the
     * worst).
     */
    private void onStall(long ms) {
        Set<Address> peers = new java.util.HashSet<>(view == null ? List.of() : view.getMembers());
        peers.remove(me);
        long nonce = java.util.concurrent.ThreadLocalRandom.current().nextLong();
        fence = new Fence(nonce, viewId, peers, System.currentTimeMillis() + o.freezeHolddown().toMillis());
        fenced = true;
        history.add("stalled " + ms + " ms", "asking " + names(peers));
        if (peers.isEmpty()) {
            liftFence("stood still for " + ms + " ms, but no other member could have taken over");
            update();
            return;
        }
        log.warn("this node stood still for {} ms: asking {} whether it is still in their view", ms, names(peers));
        probe(nonce, System.nanoTime());
        update();
    }

    private void probe(long nonce, long startedNanos) {
        Fence f = fence;
        if (f == null || !f.probing || f.nonce != nonce) {
            return;
        }
        if (System.nanoTime() - startedNanos > TimeUnit.MILLISECONDS.toNanos(PROBE_GIVE_UP_MILLIS)) {
            List<Address> silent = new ArrayList<>(f.peers);
            silent.removeAll(f.confirmed);
            excluded("no answer from " + silent + " within " + PROBE_GIVE_UP_MILLIS + " ms");
            return;
        }
        for (Address p : f.peers) {
            if (!f.confirmed.contains(p)) {
                channel.send(p, new Probe(nonce, f.viewId));
            }
        }
        exec.schedule(() -> probe(nonce, startedNanos), PROBE_REPEAT_MILLIS, TimeUnit.MILLISECONDS);
    }

    private void onProbeAck(Address from, ProbeAck a) {
        Fence f = fence;
        if (f == null || !f.probing || a.nonce() != f.nonce) {
            return;
        }
        if (!a.sameView()) {
            excluded(from + " no longer has this node in its view");
            return;
        }
        f.confirmed.add(from);
        if (f.confirmed.containsAll(f.peers)) {
            liftFence("every member still has this node in view " + view.getViewId());
            update();
        }
    }

    /** The others (may) have excluded this node: drop every VIP now, without ARP; see {@link #unfence()}. */
    private void excluded(String why) {
        fenceConfirmed(why);
        update();
        scheduleFenceCheck();
    }

    /** Turns the asking fence into a confirmed one; the caller runs {@link #update()} (or is in it). */
    private void fenceConfirmed(String why) {
        fence.probing = false;
        log.warn("{}: dropping VIPs without ARP until merged back, or for {}", why, ms(o.freezeHolddown()));
        history.add("fenced", why);
    }

    /**
     * Back to normal; VIPs held through the stall are added again (fresh lifetime, gratuitous ARP) and renewed. The
     * caller runs {@link #update()}.
     */
    private void liftFence(String why) {
        fence = null;
        fenced = false;
        log.info("fence lifted: {}", why);
        history.add("fence lifted", why);
        for (LocalVip v : vips.values()) {
            if (v.phase == Phase.MASTER) {
                readd(v, "after a stall");
            }
        }
    }

    private void onContact(boolean heard) {
        if (!heard) {
            log.warn("heard from fewer than {} members within {}: VIPs dropped until the quorum is heard again",
                    o.quorum(), ms(o.fenceTimeout()));
        } else {
            log.info("hearing from a quorum again");
        }
        history.add(heard ? "quorum heard" : "quorum lost", "lease");
        update();
    }

    /**
     * A renewal failed for another reason than the address running out (the lease thread adds that back itself), or
     * adding it back failed: the interface is gone, the scripts fail... A FAULT: the VIP goes to another node.
     */
    private void onRenewFailed(String name, ScriptResult r) {
        LocalVip v = vips.get(name);
        if (v == null || v.phase != Phase.MASTER) {
            return;
        }
        fault(v, "vip-renew " + r);
    }

    /**
     * Runs vip-up again for a VIP this node holds and keeps holding (fresh lifetime, gratuitous ARP), then renews it
     * again; a failure is a FAULT. No state change, no notify.
     */
    private void readd(LocalVip v, String why) {
        long gen = v.want.get();
        runner.submit(scripts.up(v.spec, v.epoch, () -> v.want.get() == gen && !fenced))
                .thenAccept(r -> post(() -> {
                    if (r.ok() && v.phase == Phase.MASTER && v.want.get() == gen) {
                        lease.hold(v.spec);
                    } else if (!r.ok() && r.outcome() != ScriptResult.Outcome.SKIPPED && v.phase == Phase.MASTER) {
                        fault(v, "vip-up " + why + " " + r);
                    }
                }));
    }

    // =====================================================================================================  decisions

    /**
     * Brings everything in line with the current facts: decides (when coordinator), moves each local VIP, publishes
     * this node's status if it changed (and decides again with it).
     */
    private void update() {
        if (view == null || exec.isShutdown()) {
            reconcileAll();
            return;
        }
        unfence();
        if (me != null) {
            statuses.put(me, status()); // decide with this node's current state, sent or not
        }
        coordinate();
        reconcileAll();
        if (sendStatus()) {
            coordinate();
            reconcileAll();
        }
        endForwarding();
        finishHandovers(false);
    }

    private void coordinate() {
        if (view == null || !Objects.equals(view.getCoord(), me)) {
            return;
        }
        if (assignment != null && assignment.viewId() > viewId) {
            return; // a decision for a view this node is about to install (a merge installs at different moments)
        }
        long now = System.currentTimeMillis();
        Coordinator.Outcome out = coordinator.decide(view, statuses, assignment, o.quorum(), viewInstalledAt, now,
                this::safeTakeoverAt);
        if (recheck != null) {
            recheck.cancel(false);
            recheck = null;
        }
        if (out.recheckAt() != Long.MAX_VALUE) {
            recheck = exec.schedule(this::update, Math.max(1, out.recheckAt() - now), TimeUnit.MILLISECONDS);
        }
        Assignment a = out.assignment();
        if (a == null) {
            return;
        }
        Assignment before = assignment;
        for (String v : sortedVips(a, before)) {
            Address was = before == null ? null : before.holders().get(v);
            Address now1 = a.holders().get(v);
            if (!Objects.equals(was, now1)) {
                Address from = a.handoverFrom().get(v);
                MemberStatus fs = from == null ? null : statuses.get(from);
                log.info("decided: {} -> {} (epoch {}){}", v, now1 == null ? (a.unheld().contains(v) ? "nobody" : "undecided") : now1,
                        a.epoch(), from == null ? "" : fs != null && fs.leaving() ? ", handed over by " + from
                                : ", taken from " + from + " to even out the load");
            }
        }
        assignment = a;
        channel.send(a);
    }

    /**
     * When {@code vip}, last held by {@code gone} (no longer in the view), may go to someone else (epoch millis; 0 =
     * now). With a quorum, a holder excluded for silence may be alive behind a cut and hold the VIP until its own
     * lease ends: wait until it has surely let go (its last message here + vip_fence_timeout + a heartbeat interval +
     * 50 ms for its lease tick and vip-down). Not waited for: a holder whose FD_SOCK2 socket closed (it crashed), or
     * whose last status said it no longer held the VIP (it released it, e.g. before leaving).
     */
    private long safeTakeoverAt(Address gone, String vip) {
        long minute = TimeUnit.MINUTES.toNanos(1);
        if (o.quorum() == 0 || channel.crashes().crashed(gone, minute)) {
            return 0;
        }
        MemberStatus last = departed.get(gone);
        if (last != null && !last.holds(vip)) {
            return 0;
        }
        java.util.OptionalLong heard = channel.contacts().lastHeard(gone);
        if (heard.isEmpty()) {
            return 0;
        }
        long guard = o.fenceTimeout().plus(o.group().fdInterval()).toNanos() + TimeUnit.MILLISECONDS.toNanos(50);
        long wait = heard.getAsLong() + guard - System.nanoTime();
        return wait <= 0 ? 0 : System.currentTimeMillis() + TimeUnit.NANOSECONDS.toMillis(wait) + 1;
    }

    private static List<String> sortedVips(Assignment a, Assignment b) {
        java.util.TreeSet<String> s = new java.util.TreeSet<>(a.holders().keySet());
        s.addAll(a.unheld());
        if (b != null) {
            s.addAll(b.holders().keySet());
        }
        return new ArrayList<>(s);
    }

    private enum Decision { MINE, OTHER, NONE, UNDECIDED }

    private Decision decision(LocalVip v) {
        Assignment a = assignment;
        if (a == null || a.viewId() != viewId) {
            return Decision.UNDECIDED;
        }
        if (a.unheld().contains(v.name())) {
            return Decision.NONE;
        }
        Address h = a.holders().get(v.name());
        if (h == null) {
            return Decision.UNDECIDED;
        }
        return h.equals(me) ? Decision.MINE : Decision.OTHER;
    }

    private boolean quorumByView() {
        return o.quorum() == 0 || (view != null && view.size() >= o.quorum());
    }

    /**
     * A node that has just started and has seen only itself so far, although other members are configured, takes no
     * VIP for {@code jgroups_join_timeout + 3 x jgroups_merge_max}: it may simply not have found the running cluster yet (a
     * busy peer, a stale connection after a fast restart), and MERGE3 will bring them together. Taking the VIP
     * meanwhile would move it away from its holder and back (keepalived too starts in BACKUP and waits). With
     * {@code 2 x}, twice on a loaded machine a node restarted after kill -9 took the VIP 4 ms before the merge.
     */
    private boolean startupHold() {
        return !metOthers && o.group().members().size() > 1 && System.currentTimeMillis() < startupHoldUntil;
    }

    /** Why this node may not hold {@code v} now, or null if it may. */
    private String mayNotHold(LocalVip v) {
        if (stopping) {
            return "stopping";
        }
        if (!health.ok() && !(leaving && health.okButListener())) {
            // a leaving node closes its listener on purpose: it keeps a VIP nobody else could take while it drains
            return health.reason();
        }
        if (v.faulted) {
            return "vip-up failed recently";
        }
        if (fence != null && !fence.probing) {
            return "fenced after a stall";
        }
        if (!quorumByView()) {
            return "no quorum in view " + (view == null ? "(none)" : view.getViewId());
        }
        if (lease != null && !lease.quorumHeard()) {
            return "quorum not heard within " + o.fenceTimeout().toMillis() + " ms";
        }
        return null;
    }

    private void reconcileAll() {
        for (LocalVip v : vips.values()) {
            reconcile(v);
        }
    }

    private void reconcile(LocalVip v) {
        if (stopping && !v.holding() && v.phase != Phase.ACQUIRING) {
            return;
        }
        long now = System.currentTimeMillis();
        if (v.faulted && now >= v.faultUntil) {
            v.faulted = false;
        }
        String veto = mayNotHold(v);
        Decision d = decision(v);
        switch (v.phase) {
            case IDLE -> {
                VipState idle = !health.ok() || v.faulted ? VipState.FAULT : VipState.BACKUP;
                if (!stopping) {
                    report(v, idle, idle == VipState.FAULT ? (health.ok() ? "vip-up failed" : health.reason()) : "");
                }
                if (d == Decision.MINE && veto == null && fence == null && !startupHold()) {
                    acquire(v);
                }
            }
            case ACQUIRING -> {
                if (d != Decision.MINE || veto != null) {
                    v.want.incrementAndGet(); // the queued vip-up becomes stale; its result is handled in upDone
                }
            }
            case MASTER -> {
                if (veto != null) {
                    release(v, !health.ok() || v.faulted ? VipState.FAULT : stopping ? VipState.STOP : VipState.BACKUP, veto);
                } else if (d == Decision.NONE) {
                    release(v, VipState.BACKUP, "nobody may hold it (epoch " + assignment.epoch() + ")");
                } else if (d == Decision.OTHER) {
                    plannedRelease(v, now);
                } else {
                    v.releaseDeadline = 0;
                    checkAnnouncements(v);
                }
            }
            case RELEASING -> {
                // wait for vip-down
            }
        }
    }

    /** Make-before-break: the successor adds the address first; remove ours when it reports holding. */
    private void plannedRelease(LocalVip v, long now) {
        Address next = assignment.holders().get(v.name());
        MemberStatus s = statuses.get(next);
        boolean successorUp = s != null && s.holds(v.name());
        boolean successorFailed = s == null || !s.eligible() || s.claim(v.name()).map(MemberStatus.VipClaim::faulted).orElse(true);
        if (successorUp && forwarding && (leaving || me.equals(assignment.handoverFrom().get(v.name())))) {
            releaseToLo(v, next); // a planned move: this node's connections through the VIP go on
            return;
        }
        if (successorUp || successorFailed) {
            release(v, VipState.BACKUP, "moved to " + nameOf(next) + " (epoch " + assignment.epoch() + ")");
            return;
        }
        if (v.releaseDeadline == 0) {
            v.releaseDeadline = now + o.handoverTimeout().toMillis();
            exec.schedule(this::update, o.handoverTimeout().toMillis() + 1, TimeUnit.MILLISECONDS);
        } else if (now >= v.releaseDeadline) {
            release(v, VipState.BACKUP, nameOf(next) + " did not take it within " + ms(o.handoverTimeout()));
        }
    }

    /**
     * While MASTER: a fresh burst of gratuitous ARP when another holder has just let go (after a planned move or a
     * healed split, so no neighbour keeps the other's MAC), and after a merge (the coordinator raised the generation).
     */
    private void checkAnnouncements(LocalVip v) {
        boolean contested = false;
        for (Map.Entry<Address, MemberStatus> e : statuses.entrySet()) {
            if (!e.getKey().equals(me) && e.getValue().holds(v.name())) {
                contested = true;
            }
        }
        boolean settle = v.contested && !contested;
        v.contested = contested;
        boolean merged = assignment != null && assignment.viewId() == viewId && assignment.garpGen() > v.garpGen;
        if (merged) {
            v.garpGen = assignment.garpGen();
            log.info("{}: announcing again after the merge (epoch {})", v.name(), assignment.epoch());
            history.add(v.name() + " MASTER again", "merge, epoch " + assignment.epoch());
            garp(v, "after merge");
            notifyScripts(v, VipState.MASTER); // keepalived does not: external systems would keep the loser
        } else if (settle) {
            garp(v, "sole holder again");
        }
    }

    // =====================================================================================================  actions

    private void acquire(LocalVip v) {
        long gen = v.want.incrementAndGet();
        String epoch = assignment.epoch();
        v.phase = Phase.ACQUIRING;
        if (!notReady.isEmpty()) {
            log.warn("{}: taking it although this node is not ready ({}): no ready node can hold it, and serving "
                    + "without it beats not serving", v.name(), String.join(", ", notReady));
            history.add(v.name() + " taken while not ready", String.join(", ", notReady));
        }
        // handed over earlier and it comes back (nobody else can hold it, or the load moved it back): the address is
        // still on lo here. A leaving node's lo state sends new connections to the successor: it must go first. After
        // a move to even out the load it routes nothing (this node kept serving): vip-up goes first, a failover is not
        // held up by the clean-up (sysctls, nft), which follows
        boolean offLoAfter = v.onLo && !v.loForwards;
        if (v.onLo && !offLoAfter) {
            v.onLo = false;
            v.loUntil = 0;
            runner.submit(scripts.releaseDel(v.spec, epoch, "MASTER"));
        }
        startForwarding(v, epoch);
        ScriptJob up = scripts.up(v.spec, epoch, () -> v.want.get() == gen && !fenced);
        runner.submit(up).thenAccept(r -> post(() -> upDone(v, gen, epoch, r)));
        if (offLoAfter) {
            v.onLo = false;
            v.loUntil = 0;
            runner.submit(scripts.releaseDel(v.spec, epoch, "MASTER"));
        }
    }

    private void upDone(LocalVip v, long gen, String epoch, ScriptResult r) {
        if (stopping) {
            return; // stopVip queued a vip-down behind this vip-up and reported STOP
        }
        if (r.outcome() == ScriptResult.Outcome.SKIPPED) {
            v.phase = Phase.IDLE;
            update();
            return;
        }
        if (!r.ok()) {
            v.phase = Phase.MASTER; // the address may be half there: clean up like a holder
            fault(v, "vip-up " + r);
            return;
        }
        lease.hold(v.spec);
        v.phase = Phase.MASTER;
        v.since = System.currentTimeMillis();
        v.epoch = epoch;
        v.contested = false;
        v.garpGen = assignment == null ? 0 : assignment.garpGen();
        report(v, VipState.MASTER, "epoch " + epoch);
        scheduleAnnouncements(v);
        if (v.want.get() != gen) {
            log.info("{}: no longer wanted when vip-up finished", v.name());
        }
        update();
    }

    /** A vip-up or renewal failed: remove what may be there, FAULT, and let the coordinator choose someone else. */
    private void fault(LocalVip v, String why) {
        v.faulted = true;
        v.faultUntil = System.currentTimeMillis() + o.faultHolddown().toMillis();
        exec.schedule(this::update, o.faultHolddown().toMillis() + 1, TimeUnit.MILLISECONDS);
        release(v, VipState.FAULT, why);
    }

    private void release(LocalVip v, VipState then, String why) {
        String epoch = beginRelease(v, then, why);
        runner.submit(scripts.down(v.spec, epoch, then.name())).thenAccept(r -> post(() -> downDone(v, r)));
    }

    /** The state of a release, whichever script removes the address; returns the epoch to pass to it. */
    private String beginRelease(LocalVip v, VipState then, String why) {
        v.want.incrementAndGet();
        v.cancelTimers();
        v.releaseDeadline = 0;
        v.phase = Phase.RELEASING;
        v.afterRelease = then;
        log.info("{}: releasing ({})", v.name(), why);
        history.add(v.name() + " release", why);
        lease.release(v.name()); // no renewal can re-add it after the script below
        return assignment == null ? "0" : assignment.epoch();
    }

    /**
     * Planned handover, old holder: the successor holds the VIP and forwards to this node the packets of connections
     * it does not know. Instead of removing the address, move it to lo (vip-handover-release: no ARP for it from
     * here, new connections that still arrive here go on to the successor), so that this node's established
     * connections go on while it drains. It stays there at most the drain time plus a margin (its lifetime), and is
     * removed when the node exits. If that fails, a plain vip-down.
     */
    private void releaseToLo(LocalVip v, Address next) {
        String epoch = beginRelease(v, VipState.BACKUP, "moved to " + nameOf(next) + " (epoch "
                + assignment.epoch() + "), kept on lo " + (leaving ? "while draining" : "for the connections through it"));
        InetAddress ip = channel.physicalAddress(next);
        // leaving: until this node exits; a move while staying (evening out the load): as long as the successor
        // forwards (vip_handover_drain and the margin), then vip-handover-release del here
        long drain = leaving ? drainMillis : o.handoverDrain().toMillis();
        long life = TimeUnit.MILLISECONDS.toSeconds(drain + forwardMarginMillis()) + 1;
        // a leaving node's listener closes: a new connection that still arrives here goes on to the successor. A node
        // that stays serves it itself (the address is local on lo), and nothing here points at the successor, which
        // may fail later and hand the VIP back to this node
        String successor = leaving && ip != null ? ip.getHostAddress() : null;
        v.onLo = true; // whatever the outcome: vip-handover-release del at exit removes what may be there
        v.loForwards = successor != null;
        v.loUntil = leaving ? 0 : System.currentTimeMillis() + drain + forwardMarginMillis();
        if (v.loUntil > 0) {
            exec.schedule(this::update, v.loUntil - System.currentTimeMillis() + 1, TimeUnit.MILLISECONDS);
        }
        runner.submit(scripts.releaseAdd(v.spec, epoch, successor, servicePort, life))
                .thenAccept(r -> post(() -> {
                    if (r.ok()) {
                        downDone(v, r);
                        return;
                    }
                    log.warn("{}: vip-handover-release {}: removing the address instead (connections through it "
                            + "will be reset)", v.name(), r);
                    runner.submit(scripts.down(v.spec, epoch, VipState.BACKUP.name()))
                            .thenAccept(r2 -> post(() -> downDone(v, r2)));
                }));
    }

    /**
     * How long after an old holder's drain time it may still be serving (it waited for its successor, then its
     * scripts ran): bounds a successor's forwarding and the old holder's address on lo.
     */
    private long forwardMarginMillis() {
        return o.handoverTimeout().toMillis() + 2 * o.scripts().timeout().toMillis();
    }

    /**
     * Planned handover, successor side, before its vip-up: when the current holder of {@code v} is a leaving member,
     * packets of connections this node does not know (picked up in mid-stream) go to it from now on, so that the
     * connections it serves survive the clients' move to this node (vip-handover-forward). Runs whether or not the
     * vip-up is still wanted when its turn comes: it is idempotent, and harmless until the clients move.
     */
    private void startForwarding(LocalVip v, String epoch) {
        if (!forwarding) {
            return;
        }
        // the decision names the leaving holder (its own status saying so may come after the decision); from a
        // coordinator of an older release it does not: then the statuses tell
        Address named = assignment.handoverFrom().get(v.name());
        Address from = named != null && view.containsMember(named) ? named : leavingHolder(v.name());
        if (from == null || from.equals(v.forwardPeer)) {
            return;
        }
        InetAddress ip = channel.physicalAddress(from);
        if (ip == null) {
            log.warn("{}: {} hands it over but its address is unknown: its connections will be reset", v.name(), from);
            return;
        }
        v.forwardPeer = from;
        v.forwardSince = System.currentTimeMillis();
        v.forwardUntil = 0;
        forwardDeadline(v);
        log.info("{}: {} hands it over: connections this node does not know go to it ({}) until it stops, {} ms at "
                + "most (its drain time and a margin)", v.name(), from, ip.getHostAddress(),
                v.forwardUntil - v.forwardSince);
        history.add(v.name() + " forwarding", "to " + from + " (" + ip.getHostAddress() + ")");
        runner.submit(scripts.forwardAdd(v.spec, epoch, ip.getHostAddress(), servicePort, null))
                .thenAccept(r -> {
                    if (!r.ok()) {
                        post(() -> {
                            log.warn("{}: vip-handover-forward {}: the connections {} serves will be reset when "
                                    + "clients follow this node", v.name(), r, from);
                            history.add(v.name() + " forwarding failed", r.toString());
                        });
                    }
                });
    }

    /** The member in the view that holds {@code vip} and is leaving (handing over), or null. */
    private Address leavingHolder(String vip) {
        for (Map.Entry<Address, MemberStatus> e : statuses.entrySet()) {
            if (!e.getKey().equals(me) && view.containsMember(e.getKey()) && e.getValue().leaving()
                    && e.getValue().holds(vip)) {
                return e.getKey();
            }
        }
        return null;
    }

    /**
     * When a successor's forwarding ends at the latest: the old holder's drain time (from its status; this node's
     * vip_handover_drain until that arrived) plus a margin, from when forwarding began. Schedules a check then.
     */
    private void forwardDeadline(LocalVip v) {
        MemberStatus s = lastStatus(v.forwardPeer);
        long drain = s != null && s.drainMillis() > 0 ? s.drainMillis() : o.handoverDrain().toMillis();
        long until = v.forwardSince + drain + forwardMarginMillis();
        if (until != v.forwardUntil) {
            v.forwardUntil = until;
            exec.schedule(this::update, Math.max(1, until - System.currentTimeMillis() + 1), TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Ends a successor's forwarding when the old holder says it is stopping (it has drained, its last status), or
     * when its drain time and the margin are over. Leaving the view is not enough: an old holder excluded for
     * silence (a cut, a stall) may be alive and still draining, and its connections go on; one that crashed has lost
     * them anyway (its host resets them, as this one would).
     */
    private void endForwarding() {
        long now = System.currentTimeMillis();
        for (LocalVip v : vips.values()) {
            if (v.onLo && !leaving && !stopping && v.loUntil > 0 && now >= v.loUntil && v.phase == Phase.IDLE) {
                // moved away while this node stays: the successor no longer forwards to it, the address leaves lo
                v.onLo = false;
                v.loUntil = 0;
                log.info("{}: connections kept after the move are over: address off lo", v.name());
                history.add(v.name() + " off lo", "forwarding time over");
                runner.submit(scripts.releaseDel(v.spec, assignment == null ? "0" : assignment.epoch(), "BACKUP"));
            }
            Address peer = v.forwardPeer;
            if (peer == null) {
                continue;
            }
            forwardDeadline(v);
            MemberStatus last = lastStatus(peer);
            boolean inView = view != null && view.containsMember(peer);
            if (last != null && last.stopping()) {
                stopForwarding(v, peer + " has drained and stops");
            } else if (now >= v.forwardUntil) {
                stopForwarding(v, "its drain time is over" + (inView ? "" : " (it left the view without a word)"));
            }
        }
    }

    /** The last status of a member, in the view or gone from it (null if none arrived). */
    private MemberStatus lastStatus(Address a) {
        MemberStatus s = statuses.get(a);
        return s != null ? s : departed.get(a);
    }

    private void stopForwarding(LocalVip v, String why) {
        v.forwardPeer = null;
        log.info("{}: forwarding to the old holder ends: {}", v.name(), why);
        history.add(v.name() + " forwarding ends", why);
        runner.submit(scripts.forwardDel(v.spec, assignment == null ? "0" : assignment.epoch()));
    }

    /** Shutdown: vip-down (if it may be up) and notify STOP, queued back to back; no result is awaited. */
    private void stopVip(LocalVip v) {
        v.want.incrementAndGet();
        v.cancelTimers();
        if (v.holding() || v.phase == Phase.ACQUIRING) {
            lease.release(v.name());
            String epoch = assignment == null ? "0" : assignment.epoch();
            runner.submit(scripts.down(v.spec, epoch, VipState.STOP.name()));
        }
        if (v.onLo) {
            // drained: the connections are closed by now (the node drains before it closes leadership)
            v.onLo = false;
            String epoch = assignment == null ? "0" : assignment.epoch();
            runner.submit(scripts.releaseDel(v.spec, epoch, VipState.STOP.name()));
        }
        if (v.forwardPeer != null) {
            stopForwarding(v, "this node stops");
        }
        v.phase = Phase.IDLE;
        report(v, VipState.STOP, "shutdown");
    }

    private void downDone(LocalVip v, ScriptResult r) {
        if (!r.ok()) {
            log.error("{}: vip-down {}; the address expires by itself after vip_lifetime ({})", v.name(), r,
                    ms(o.scripts().lifetime()));
        }
        if (stopping) {
            return; // stopVip has taken over (and reported STOP)
        }
        v.phase = Phase.IDLE;
        report(v, v.afterRelease, "");
        update();
    }

    private void scheduleAnnouncements(LocalVip v) {
        long delay = o.scripts().garpDelay().toMillis();
        if (delay > 0) {
            v.delayedGarp = exec.schedule(() -> garp(v, "delayed burst"), delay, TimeUnit.MILLISECONDS);
        }
        long every = o.scripts().garpRefresh().toMillis();
        if (every > 0) {
            v.refreshGarp = exec.scheduleAtFixedRate(() -> garp(v, "refresh"), every, every, TimeUnit.MILLISECONDS);
        }
    }

    /** A burst of gratuitous ARP, only while this node still holds the VIP with a fresh lease when its turn comes. */
    private void garp(LocalVip v, String why) {
        if (v.phase != Phase.MASTER) {
            return;
        }
        long gen = v.want.get();
        String epoch = v.epoch;
        log.debug("{}: gratuitous ARP ({})", v.name(), why);
        runner.submit(scripts.garp(v.spec, epoch, () -> v.want.get() == gen && !fenced && lease.fresh(v.name())));
    }

    /** Notifies a state change once (hook, then generic notify) and logs it: transitions only. */
    private void report(LocalVip v, VipState s, String detail) {
        if (s == v.reported) {
            return;
        }
        VipState was = v.reported;
        v.reported = s;
        if (was != null || s != VipState.BACKUP) {
            log.info("{}: {} -> {}{}", v.name(), was == null ? "INIT" : was, s, detail.isEmpty() ? "" : " (" + detail + ")");
        }
        history.add(v.name() + " " + (was == null ? "INIT" : was) + " -> " + s, detail);
        notifyScripts(v, s);
    }

    private void notifyScripts(LocalVip v, VipState s) {
        String epoch = assignment == null ? "0" : assignment.epoch();
        for (ScriptJob j : scripts.notify(v.spec, s.name(), epoch)) {
            runner.submit(j);
        }
    }

    /** Sends this node's status when it changed, or after a view change. Returns true when sent. */
    private boolean sendStatus() {
        if (view == null || me == null) {
            return false;
        }
        MemberStatus s = status();
        statuses.put(me, s);
        coordinator.status(me, s, System.currentTimeMillis());
        if (!forceStatus && s.equals(lastSent)) {
            return false;
        }
        forceStatus = false;
        lastSent = s;
        channel.send(s);
        return true;
    }

    private MemberStatus status() {
        List<MemberStatus.VipClaim> claims = new ArrayList<>();
        for (LocalVip v : vips.values()) {
            claims.add(new MemberStatus.VipClaim(v.name(), v.spec.cidr(), v.spec.priority(), v.holding(),
                    v.holding() ? v.since : 0, v.faulted));
        }
        return new MemberStatus(node, o.witness(), health.ok() && !stopping, leaving, o.preempt(),
                o.preemptDelay().toMillis(), claims, leaving ? drainMillis : 0, stopping, notReady);
    }

    // =====================================================================================================  fencing

    /**
     * Ends a confirmed fence once it is safe to take VIPs again: merged back with (part of) the old view, or held down
     * for vip_freeze_holddown. A fence still asking when the view changes is lifted if the new view keeps a peer that
     * confirmed this node, or every peer asked, and turns into a confirmed one otherwise.
     */
    private void unfence() {
        Fence f = fence;
        if (f == null) {
            return;
        }
        if (f.probing) {
            if (f.viewId == viewId) {
                return;
            }
            // this node's own failure detection moved on while it asked. Right after a stall that proves little: its
            // heartbeat timer can run before the messages that piled up are read, and a peer that already excluded
            // it sends none, so a live peer that took the VIPs over is dropped from this view as if it were dead
            // (LeaderProcessTest: a resumed holder kept its VIP 1.6 s that way). The new view decides only if a
            // peer that confirmed this node, or every peer asked, is still in it; otherwise this node is fenced
            Set<Address> gone = new java.util.HashSet<>(f.peers);
            gone.removeAll(view.getMembers());
            if (gone.isEmpty() || view.getMembers().stream().anyMatch(f.confirmed::contains)) {
                liftFence("the view changed while asking (" + view.getViewId() + ")");
            } else {
                fenceConfirmed("the view changed while asking and left out " + names(gone)
                        + ", which never answered");
                scheduleFenceCheck();
            }
            return;
        }
        String why = null;
        if (f.viewId != viewId && view.getMembers().stream().anyMatch(f.peers::contains)) {
            why = "merged back (view " + view.getViewId() + ")";
        } else if (System.currentTimeMillis() >= f.holdUntil) {
            why = "vip_freeze_holddown passed";
        }
        if (why != null) {
            fence = null;
            fenced = false;
            log.info("fence lifted: {}", why);
            history.add("fence lifted", why);
        }
    }

    private void scheduleFenceCheck() {
        exec.schedule(() -> {
            if (fence != null) {
                update();
                scheduleFenceCheck();
            }
        }, 25, TimeUnit.MILLISECONDS);
    }

    // =====================================================================================================  handover

    private void finishHandovers(boolean timedOut) {
        if (handovers.isEmpty()) {
            return;
        }
        List<String> held = new ArrayList<>();
        List<String> stays = new ArrayList<>();
        for (LocalVip v : vips.values()) {
            if (v.holding() || v.phase == Phase.ACQUIRING) {
                held.add(v.name());
                if (!someoneElseCanHold(v.name())) {
                    stays.add(v.name());
                }
            }
        }
        String msg;
        if (held.isEmpty()) {
            msg = "handover done: this node holds no VIP";
        } else if (!stays.isEmpty() && stays.size() == held.size()) {
            msg = "handover: no other node can take " + String.join(", ", stays) + "; kept until exit";
        } else if (timedOut) {
            msg = "handover timed out after " + ms(o.handoverTimeout()) + "; still holding " + String.join(", ", held);
        } else {
            return;
        }
        log.info(msg);
        for (CompletableFuture<String> f : handovers) {
            f.complete(msg);
        }
        handovers.clear();
    }

    /**
     * Whether another member in the view could take {@code vip} (eligible, configured for it, not leaving). While a
     * member's status is missing (just after a view change) the answer is yes: wait for it.
     */
    private boolean someoneElseCanHold(String vip) {
        if (view != null && !statuses.keySet().containsAll(view.getMembers())) {
            return true;
        }
        for (Map.Entry<Address, MemberStatus> e : statuses.entrySet()) {
            MemberStatus s = e.getValue();
            if (!e.getKey().equals(me) && s.eligible() && !s.leaving() && !s.witness()
                    && s.claim(vip).map(c -> !c.faulted()).orElse(false)) {
                return true;
            }
        }
        return false;
    }

    // =====================================================================================================  visibility

    /** A consistent picture of this node's leadership, built on the leader thread. */
    public Snapshot snapshot() {
        Supplier<Snapshot> build = this::buildSnapshot;
        try {
            return exec.submit(build::get).get(2, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("leadership is not answering: " + e, e);
        }
    }

    private Snapshot buildSnapshot() {
        List<Snapshot.Member> members = new ArrayList<>();
        if (view != null) {
            for (Address a : view.getMembers()) {
                MemberStatus s = statuses.get(a);
                members.add(new Snapshot.Member(a.toString(), s == null ? "?" : s.witness() ? "witness"
                        : s.leaving() ? "leaving" : !s.eligible() ? "FAULT"
                        : s.ready() ? "eligible" : "not-ready(" + String.join(",", s.notReady()).replace(' ', '-') + ")",
                        a.equals(view.getCoord())));
            }
        }
        List<Snapshot.Vip> vs = new ArrayList<>();
        java.util.TreeSet<String> all = new java.util.TreeSet<>(vips.keySet());
        statuses.values().forEach(s -> s.vips().forEach(c -> all.add(c.name())));
        for (String name : all) {
            LocalVip v = vips.get(name);
            List<String> holders = new ArrayList<>();
            statuses.forEach((a, s) -> {
                if (s.holds(name)) {
                    holders.add(a.toString());
                }
            });
            Address assigned = assignment == null ? null : assignment.holders().get(name);
            vs.add(new Snapshot.Vip(name, v == null ? "" : v.spec.cidr() + "@" + v.spec.iface(),
                    v == null ? "-" : v.reported == null ? "INIT" : v.reported.name(),
                    v == null ? 0 : v.spec.priority(), assigned == null ? "-" : assigned.toString(), holders,
                    v == null ? "" : v.forwardPeer != null ? "forwarding to " + v.forwardPeer
                            : v.onLo ? "on lo while draining" : ""));
        }
        return new Snapshot(node, o.witness(), view == null ? "(not joined)" : view.toString(),
                view == null ? "-" : String.valueOf(view.getCoord()), o.quorum(), view == null ? 0 : view.size(),
                lease == null || lease.quorumHeard(), assignment == null ? "-" : assignment.epoch(), health.reason(),
                fence == null ? "" : fence.probing ? "stalled, asking the others" : "fenced after a stall", leaving,
                members, vs, history.entries());
    }

    // =====================================================================================================  helpers

    /** This member's JGroups address (null before it joined); for tests. */
    Address address() {
        return channel == null ? null : channel.address();
    }

    /** The channel, for tests that inject faults. */
    GroupChannel channel() {
        return channel;
    }

    private String nameOf(Address a) {
        return String.valueOf(a);
    }

    private static String ms(Duration d) {
        return d.toMillis() + " ms";
    }

    private static String names(Set<Address> as) {
        return as.isEmpty() ? "nobody" : as.toString();
    }
}
