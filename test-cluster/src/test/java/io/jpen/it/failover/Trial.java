package io.jpen.it.failover;

import io.jpen.it.net.Probe;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;

/**
 * One run of one scenario, around one fault:
 * <ol>
 *   <li>{@link #begin}: waits for a healthy cluster (each VIP held once, the view whole), records the tracked
 *   clients' backends, opens the long-lived connections and starts a connector per VIP;</li>
 *   <li>the scenario injects its fault ({@link #fault}) and repairs it ({@link #repair});</li>
 *   <li>{@link #finish}: stops the connectors, compares the tracked clients, finishes the long-lived connections and
 *   computes the {@link Figures}.</li>
 * </ol>
 */
final class Trial {
    private static final Pattern CLIENTS_HERE = Pattern.compile("clients (\\d+) here");
    private static final Duration SETTLE = Duration.ofSeconds(60);
    /** How long the VIPs must have stayed put before a fault is injected. */
    private static final Duration STEADY = Duration.ofSeconds(3);
    private static final java.util.concurrent.atomic.AtomicInteger IDS = new java.util.concurrent.atomic.AtomicInteger();

    final JpenCluster c;
    final Figures.Builder fig;
    final int run;
    final Map<String, String> holdersBefore;
    final Map<String, String> trackedBefore;
    /** stream id → the node it runs through (the VIP's holder when it opened). */
    final Map<String, String> streamNode = new LinkedHashMap<>();
    /** stream id → its VIP. */
    final Map<String, String> streamVip = new LinkedHashMap<>();
    /** VIP → its connector. */
    final Map<String, String> connectors = new LinkedHashMap<>();
    long faultAt;
    long repairAt;

    private Trial(JpenCluster c, String scenario, int run) {
        this.c = c;
        this.run = run;
        this.fig = new Figures.Builder(scenario, run);
        c.awaitHolders(SETTLE);
        c.awaitWhole(SETTLE);
        // every node ready for a VIP (its shared table loaded), and the VIPs spread over the nodes (rebalancing moves
        // one at a time once the cluster is stable): bounded, a cluster that does not get there is reported by the
        // scenario's figures (one VIP per node before the fault) rather than failed here
        awaitQuietly(() -> c.allEligible() && c.spread(), Duration.ofSeconds(30));
        awaitStable(c);
        this.holdersBefore = c.holders();
        this.trackedBefore = c.probe().track(JpenCluster.target(c.vips().get(0)), JpenCluster.TRACKED,
                Duration.ofSeconds(3));
    }

    /**
     * Starts a run: healthy cluster, tracked clients recorded (and known to every node's table, bounded wait), the
     * long-lived connections open ({@code streamsPerVip} through each VIP) and a connector per VIP answering.
     */
    static Trial begin(JpenCluster c, String scenario, int run, int streamsPerVip) {
        Trial t = new Trial(c, scenario, run);
        // affinity: the entries must have reached the other nodes before the fault (reported, not required)
        boolean spread;
        try {
            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100)).until(() -> c.nodeNames().stream()
                    .filter(c::isRunning).allMatch(n -> clientsHere(c, n) >= JpenCluster.TRACKED.size()));
            spread = true;
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            spread = false;
        }
        t.fig.extra("table on every node before the fault", spread ? "yes" : "NO");
        Probe p = c.probe();
        int k = 0;
        for (String vip : c.vips()) {
            for (int i = 0; i < streamsPerVip; i++) {
                String id = "s" + IDS.incrementAndGet();
                p.openStream(id, JpenCluster.STREAM_SOURCES.get(k), JpenCluster.target(vip));
                t.streamNode.put(id, t.holdersBefore.get(vip));
                t.streamVip.put(id, vip);
                k++;
            }
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> t.streamNode.keySet().stream()
                .allMatch(id -> p.stream(id) != null && (p.stream(id).backend != null || p.stream(id).status != null)));
        for (String vip : c.vips()) {
            String name = "a" + IDS.incrementAndGet();
            t.connectors.put(vip, name);
            p.run(name, JpenCluster.target(vip));
        }
        NodeCpu cpu = NodeCpu.start(c.nodeNames().stream().filter(c::isRunning).map(n -> c.process(n).pid())
                .toList());
        // a clean second before the fault: the last 100 attempts (1 s) of every connector answered, so that the
        // figures of the run show the fault and not what happened before it (the soak measures that)
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> t.connectors.values().stream()
                    .allMatch(n -> lastOk(p.attempts(n), 100)));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("no clean second of traffic through the VIPs within 30 s before the fault "
                    + "(see the nodes' logs in target/failover-logs/" + c.lab().logDir().getFileName() + ")", e);
        }
        t.fig.extra("busiest node's CPU before the fault (% of a core)", Math.round(cpu.busiest() * 100));
        return t;
    }

    private static void awaitQuietly(java.util.concurrent.Callable<Boolean> condition, Duration atMost) {
        try {
            await().atMost(atMost).pollInterval(Duration.ofMillis(200)).until(condition);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            System.out.println("  (not settled within " + atMost.toSeconds() + " s: " + e.getMessage() + ")");
        }
    }

    /** The last {@code n} attempts all succeeded. */
    private static boolean lastOk(List<Probe.Attempt> a, int n) {
        return a.size() >= n && a.subList(a.size() - n, a.size()).stream().allMatch(Probe.Attempt::ok);
    }

    /** Every VIP has had the same single holder for {@link #STEADY}; fails, saying how often they moved, if not. */
    private static void awaitStable(JpenCluster c) {
        long from = System.nanoTime();
        try {
            await().atMost(SETTLE).pollInterval(Duration.ofMillis(200)).until(() -> {
                long since = System.nanoTime() - STEADY.toNanos();
                return c.holders().values().stream().allMatch(h -> h != null && c.isRunning(h))
                        && c.vips().stream().allMatch(v -> c.vipWatch().changesSince(v, since).isEmpty());
            });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            long moves = c.vips().stream().mapToLong(v -> c.vipWatch().changesSince(v, from).size()).sum();
            throw new AssertionError("the cluster did not settle before the fault: " + moves + " VIP changes in "
                    + SETTLE.toSeconds() + " s (see target/failover-logs/" + c.lab().logDir().getFileName()
                    + "/vip-changes.txt and the nodes' logs)", e);
        }
    }

    static int clientsHere(JpenCluster c, String node) {
        String r = c.ctl(node, "cluster");
        if (r == null) {
            return -1;
        }
        Matcher m = CLIENTS_HERE.matcher(r);
        return m.find() ? Integer.parseInt(m.group(1)) : -1;
    }

    interface Action {
        void run() throws Exception;
    }

    /** Injects the fault; its time is the start of the measurement window. */
    long fault(Action a) throws Exception {
        faultAt = System.nanoTime();
        a.run();
        return faultAt;
    }

    /** Repairs (restart, heal, resume); its time is where "whole again" is measured from. */
    long repair(Action a) throws Exception {
        repairAt = System.nanoTime();
        a.run();
        return repairAt;
    }

    /** The holder of {@code vip} when the run began. */
    String holder(String vip) {
        return holdersBefore.get(vip);
    }

    String holder() {
        return holder(c.vips().get(0));
    }

    /**
     * After a kill: when the killed process's sockets closed, as the client saw it (the first reset of a long-lived
     * connection through {@code node}), and how long after that the VIP moved ({@code movedAt}, nanos, or -1). The
     * first part is the kernel tearing the process down (its memory first, then its sockets; slower on busy cores),
     * the second is jpen: detection, election, vip-up. Reported, not asserted.
     */
    void noteSocketsClosed(String node, long movedAt) {
        long first = Long.MAX_VALUE;
        for (Map.Entry<String, String> e : streamNode.entrySet()) {
            Probe.Stream s = c.probe().stream(e.getKey());
            if (node.equals(e.getValue()) && s != null && "lost".equals(s.status) && s.detail != null
                    && s.detail.contains("reset") && s.ended > faultAt) {
                first = Math.min(first, s.ended);
            }
        }
        if (first == Long.MAX_VALUE) {
            return;
        }
        fig.extra("killed process's sockets closed after", (first - faultAt) / 1_000_000);
        if (movedAt > 0) {
            fig.extra("VIP moved after its sockets closed", Math.max(0, movedAt - first) / 1_000_000);
        }
    }

    /** A running node other than {@code node}. */
    String other(String node) {
        return c.nodeNames().stream().filter(n -> !n.equals(node)).findFirst().orElseThrow();
    }

    /** Waits (bounded) until every connector has answered {@code n} times since the fault. */
    void awaitTraffic(int n, Duration timeout) {
        await().atMost(timeout).until(() -> connectors.values().stream()
                .allMatch(name -> c.probe().successesSince(name, faultAt) >= n));
    }

    /** Waits (bounded) until every connector has answered {@code n} times since {@code from}. */
    void awaitTrafficSince(long from, int n, Duration timeout) {
        await().atMost(timeout).until(() -> connectors.values().stream()
                .allMatch(name -> c.probe().successesSince(name, from) >= n));
    }

    /** Time to the whole view and membership, measured from the repair. */
    void measureWhole() {
        long at = c.awaitWhole(SETTLE);
        fig.wholeMs = (at - repairAt) / 1_000_000;
    }

    /**
     * Ends the run.
     *
     * @param affectedVip  the VIP whose figures are the scenario's (the others' are reported as notes)
     * @param failedNodes  nodes whose connections may be cut (killed, cut off, frozen, handing over)
     * @param deadBackends backends that died: their tracked clients may move, their connections may be cut
     * @param ignoreForTwoHolders host → intervals in which it could not answer for the VIP (cable cut)
     */
    Figures finish(String affectedVip, Set<String> failedNodes, Set<String> deadBackends,
                   Map<String, List<long[]>> ignoreForTwoHolders) {
        return finish(affectedVip, failedNodes, deadBackends, ignoreForTwoHolders, Set.of(affectedVip));
    }

    /**
     * Ends the run; {@code affectedVips} are the VIPs the fault may move (the failed node held them): the others'
     * gaps and failures are reported as "other VIPs".
     */
    Figures finish(String affectedVip, Set<String> failedNodes, Set<String> deadBackends,
                   Map<String, List<long[]>> ignoreForTwoHolders, Set<String> affectedVips) {
        long end = System.nanoTime();
        Probe p = c.probe();
        for (String name : connectors.values()) {
            p.halt(name);
        }
        long from = faultAt - 1_000_000_000L;
        fig.gap(Figures.gap(p.attempts(connectors.get(affectedVip)), from, end));
        long otherGap = 0;
        long otherFailed = 0;
        for (Map.Entry<String, String> e : connectors.entrySet()) {
            if (!affectedVips.contains(e.getKey())) {
                Figures.Gap g = Figures.gap(p.attempts(e.getValue()), from, end);
                otherGap = Math.max(otherGap, g.gapMs());
                otherFailed += g.failed();
            }
        }
        if (connectors.size() > affectedVips.size()) {
            fig.extra("other VIPs: gap max", otherGap).extra("other VIPs: failed attempts", otherFailed);
        }
        // two holders: over the whole window, for every VIP
        long two = 0;
        for (String vip : c.vips()) {
            two = Math.max(two, c.vipWatch().overlapNanos(vip, from, end, ignoreForTwoHolders) / 1_000_000);
        }
        fig.twoHoldersMs = two;
        // tracked clients
        Map<String, String> after = p.track(JpenCluster.target(c.vips().get(0)), JpenCluster.TRACKED,
                Duration.ofSeconds(3));
        long moved = 0;
        long compared = 0;
        List<String> movedList = new ArrayList<>();
        for (String src : JpenCluster.TRACKED) {
            String b = trackedBefore.get(src);
            if (b == null || b.equals("-") || deadBackends.contains(b)) {
                continue;
            }
            compared++;
            if (!b.equals(after.get(src))) {
                moved++;
                movedList.add(src.substring(src.lastIndexOf('.') + 1) + ":" + b + "→" + after.get(src));
            }
        }
        fig.trackedMoved = moved;
        fig.tracked = compared;
        if (!movedList.isEmpty()) {
            fig.extra("moved", String.join(" ", movedList));
        }
        // long-lived connections
        List<Probe.Stream> streams = p.finishStreams(List.copyOf(streamNode.keySet()), Duration.ofSeconds(20));
        long lostFailed = 0;
        long lostSurvivors = 0;
        Map<String, Integer> why = new HashMap<>();
        for (Probe.Stream s : streams) {
            if ("ok".equals(s.status)) {
                continue;
            }
            why.merge(s.status + (s.detail == null ? "" : " " + s.detail.split(" ")[0]), 1, Integer::sum);
            boolean expected = failedNodes.contains(streamNode.get(s.id)) || deadBackends.contains(s.backend);
            if (expected) {
                lostFailed++;
            } else {
                lostSurvivors++;
            }
        }
        fig.lostFailed = lostFailed;
        fig.lostSurvivors = lostSurvivors;
        fig.streams = streams.size();
        if (!why.isEmpty()) {
            fig.extra("cut connections", why.toString().replace("=", "×").replace(",", ";"));
        }
        Figures f = fig.build();
        System.out.println("  " + f);
        writeTimeline(f, from, end);
        return f;
    }

    /**
     * Writes what happened around the fault to {@code target/failover-logs/LAB/SCENARIO-RUN.timeline} (ms relative to
     * the fault): failed attempts, changes of answering backend, VIP changes, gratuitous ARPs, connections cut.
     */
    private void writeTimeline(Figures f, long from, long end) {
        List<String[]> ev = new ArrayList<>();
        java.util.function.LongFunction<String> rel = n -> String.format("%+8.1f", (n - faultAt) / 1e6);
        for (Map.Entry<String, String> e : connectors.entrySet()) {
            String last = null;
            long failStart = -1;
            int fails = 0;
            String reasons = "";
            for (Probe.Attempt a : c.probe().attempts(e.getValue())) {
                if (a.start() < from || a.start() > end) {
                    continue;
                }
                if (!a.ok()) {
                    if (fails++ == 0) {
                        failStart = a.start();
                    }
                    if (!reasons.contains(a.detail())) {
                        reasons += " " + a.detail();
                    }
                    continue;
                }
                if (fails > 0) {
                    ev.add(new String[] {rel.apply(failStart), e.getKey() + ": " + fails + " failed attempts from here,"
                            + reasons + "; next success ended " + rel.apply(a.end()).trim()});
                    fails = 0;
                    reasons = "";
                }
                if (!a.detail().equals(last)) {
                    ev.add(new String[] {rel.apply(a.end()), e.getKey() + ": answered by " + a.detail()});
                    last = a.detail();
                }
            }
            if (fails > 0) {
                ev.add(new String[] {rel.apply(failStart), e.getKey() + ": " + fails + " failed attempts until the end," + reasons});
            }
        }
        for (io.jpen.it.net.VipWatch.Change ch : c.vipWatch().changes()) {
            if (ch.nanos() >= from && ch.nanos() <= end) {
                ev.add(new String[] {rel.apply(ch.nanos()), ch.vip() + (ch.present() ? " added on " : " removed from ") + ch.host()});
            }
        }
        Map<String, String> macs = new HashMap<>();
        for (String n : c.nodeNames()) {
            macs.put(c.host(n).mac(), n);
        }
        for (io.jpen.it.net.ArpWatch.Garp g : c.arpWatch().all()) {
            if (g.nanos() >= from && g.nanos() <= end) {
                ev.add(new String[] {rel.apply(g.nanos()), "gratuitous ARP for " + g.vip() + " from " + macs.getOrDefault(g.mac(), g.mac())});
            }
        }
        for (String id : streamNode.keySet()) {
            Probe.Stream s = c.probe().stream(id);
            if (s != null && s.status != null && !"ok".equals(s.status)) {
                ev.add(new String[] {rel.apply(s.ended), "connection " + id + " via " + streamNode.get(id) + " to " + s.backend
                        + ": " + s.status + " " + s.detail});
            }
        }
        if (repairAt > 0) {
            ev.add(new String[] {rel.apply(repairAt), "REPAIR"});
        }
        ev.add(new String[] {rel.apply(faultAt), "FAULT"});
        ev.sort(java.util.Comparator.comparingDouble(x -> Double.parseDouble(x[0].trim())));
        StringBuilder b = new StringBuilder(f + "\nfault at " + java.time.LocalTime.now().minusNanos(System.nanoTime() - faultAt)
                + " (wall clock), times below in ms from the fault\n");
        for (String[] e : ev) {
            b.append(e[0]).append("  ").append(e[1]).append('\n');
        }
        String slug = f.scenario().replaceAll("[^A-Za-z0-9]+", "-").replaceAll("^-|-$", "");
        try {
            java.nio.file.Files.writeString(c.lab().logDir().resolve(slug + "-" + f.run() + ".timeline"), b.toString());
        } catch (java.io.IOException e) {
            System.err.println("timeline not written: " + e);
        }
    }

    Figures finish(Set<String> failedNodes) {
        return finish(c.vips().get(0), failedNodes, Set.of(), Map.of());
    }
}
