package io.jpen.it.net;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Who holds which VIP, from the kernel's point of view: one {@code ip -n NS -o monitor address} per host, so every
 * address added, expired or removed on a host's {@code eth0} is seen within milliseconds, without polling. Each
 * change is stamped with {@link System#nanoTime()} on arrival. This sees what the address lifetime does too (a crashed
 * or frozen holder's address expiring by itself), which no control command of the node could report.
 */
public final class VipWatch implements AutoCloseable {
    /** One line of {@code ip -o monitor address}: "[Deleted ]N: IFNAME    inet ADDR/PREFIX ...". */
    private static final Pattern EVENT = Pattern.compile("^(Deleted )?\\d+: (\\S+)\\s+inet (\\d+\\.\\d+\\.\\d+\\.\\d+)/");
    /** One change: {@code host} gained ({@code present}) or lost {@code vip} at {@code nanos}. */
    public record Change(long nanos, String host, String vip, boolean present) {
    }

    private final Set<String> vips;
    private final List<Child> monitors = new ArrayList<>();
    private final List<Change> changes = new ArrayList<>();
    private final Map<String, Set<String>> holders = new HashMap<>(); // vip -> hosts holding it now
    private final java.nio.file.Path changeLog;

    public VipWatch(List<Host> hosts, Set<String> vips, java.nio.file.Path logDir) throws IOException {
        this.vips = Set.copyOf(vips);
        this.changeLog = logDir.resolve("vip-changes.txt");
        java.nio.file.Files.writeString(changeLog, "");
        for (String v : vips) {
            holders.put(v, new TreeSet<>());
        }
        for (Host h : hosts) {
            Child m = Child.piped("monitor-" + h.name(),
                    List.of("ip", "-n", h.namespace(), "-o", "monitor", "address"),
                    logDir.resolve(h.name() + "-ipmonitor.log"));
            monitors.add(m);
            Thread t = new Thread(() -> follow(h.name(), m), "jpt-vipwatch-" + h.name());
            t.setDaemon(true);
            t.start();
        }
        // the monitors subscribe within a few ms; read the state after that, so no change falls in between
        long end = System.nanoTime() + Duration.ofMillis(200).toNanos();
        while (System.nanoTime() < end) {
            Thread.onSpinWait();
        }
        for (Host h : hosts) {
            for (String a : h.addresses()) {
                if (vips.contains(a)) {
                    record(h.name(), a, true);
                }
            }
        }
    }

    private void follow(String host, Child m) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(m.process().getInputStream(),
                StandardCharsets.US_ASCII))) {
            String line;
            while ((line = r.readLine()) != null) {
                Matcher e = EVENT.matcher(line);
                // only eth0 counts: an old holder keeps the address on lo while it drains after a handover (no ARP
                // for it there, so no client reaches it), and removing it from lo later is no change of holder
                if (e.find() && e.group(2).equals("eth0") && vips.contains(e.group(3))) {
                    record(host, e.group(3), e.group(1) == null);
                }
            }
        } catch (IOException e) {
            // the monitor was stopped
        }
    }

    private synchronized void record(String host, String vip, boolean present) {
        Set<String> now = holders.get(vip);
        boolean changed = present ? now.add(host) : now.remove(host);
        if (changed) {
            changes.add(new Change(System.nanoTime(), host, vip, present));
            notifyAll();
            try { // wall-clock time, to read next to the nodes' logs
                java.nio.file.Files.writeString(changeLog, java.time.LocalTime.now() + " " + vip
                        + (present ? " added on " : " removed from ") + host + ", holders now " + now + "\n",
                        java.nio.file.StandardOpenOption.APPEND);
            } catch (IOException e) {
                // diagnostics only
            }
        }
    }

    /** The hosts holding {@code vip} now. */
    public synchronized Set<String> holders(String vip) {
        return Set.copyOf(holders.get(vip));
    }

    /** The single holder of {@code vip}, or null when none or several hold it. */
    public synchronized String holder(String vip) {
        Set<String> h = holders.get(vip);
        return h.size() == 1 ? h.iterator().next() : null;
    }

    public synchronized List<Change> changes() {
        return List.copyOf(changes);
    }

    /** Changes of {@code vip} at or after {@code fromNanos}. */
    public synchronized List<Change> changesSince(String vip, long fromNanos) {
        return changes.stream().filter(c -> c.vip.equals(vip) && c.nanos >= fromNanos).toList();
    }

    /**
     * Waits (bounded) until exactly one host satisfying {@code which} holds {@code vip} and no other host does.
     *
     * @return the holder, or null at the timeout
     */
    public synchronized String awaitHolder(String vip, Predicate<String> which, Duration timeout)
            throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (true) {
            Set<String> h = holders.get(vip);
            if (h.size() == 1 && which.test(h.iterator().next())) {
                return h.iterator().next();
            }
            long left = (end - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                return null;
            }
            wait(Math.min(left, 50));
        }
    }

    /**
     * Waits (bounded) until {@code host} holds {@code vip} (others may too); the time it got it (or now, if it held it
     * already), or -1 at the timeout.
     */
    public synchronized long awaitHeldBy(String vip, String host, Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (!holders.get(vip).contains(host)) {
            long left = (end - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                return -1;
            }
            wait(Math.min(left, 50));
        }
        for (int i = changes.size() - 1; i >= 0; i--) {
            Change c = changes.get(i);
            if (c.vip.equals(vip) && c.host.equals(host) && c.present) {
                return c.nanos;
            }
        }
        return System.nanoTime();
    }

    /** Waits (bounded) until {@code host} no longer holds {@code vip}; the time it happened, or -1 at the timeout. */
    public synchronized long awaitRelease(String vip, String host, Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (holders.get(vip).contains(host)) {
            long left = (end - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                return -1;
            }
            wait(Math.min(left, 50));
        }
        for (int i = changes.size() - 1; i >= 0; i--) {
            Change c = changes.get(i);
            if (c.vip.equals(vip) && c.host.equals(host) && !c.present) {
                return c.nanos;
            }
        }
        return System.nanoTime();
    }

    /**
     * How long, between {@code from} and {@code to}, two or more hosts held {@code vip} at once, not counting hosts
     * for which {@code ignore} says they could not answer then (a cut cable), given as a host → intervals map.
     */
    public synchronized long overlapNanos(String vip, long from, long to, Map<String, List<long[]>> ignore) {
        long total = 0;
        List<Change> list = changes.stream().filter(c -> c.vip.equals(vip)).toList();
        // boundaries: every change, every ignore interval edge, from and to
        TreeSet<Long> edges = new TreeSet<>();
        edges.add(from);
        edges.add(to);
        for (Change c : list) {
            if (c.nanos > from && c.nanos < to) {
                edges.add(c.nanos);
            }
        }
        for (List<long[]> ivs : ignore.values()) {
            for (long[] iv : ivs) {
                if (iv[0] > from && iv[0] < to) {
                    edges.add(iv[0]);
                }
                if (iv[1] > from && iv[1] < to) {
                    edges.add(iv[1]);
                }
            }
        }
        Long prev = null;
        for (long e : edges) {
            if (prev != null) {
                long mid = prev + (e - prev) / 2;
                int n = 0;
                for (String h : holdersAt(list, mid)) {
                    if (!ignored(ignore.get(h), mid)) {
                        n++;
                    }
                }
                if (n >= 2) {
                    total += e - prev;
                }
            }
            prev = e;
        }
        return total;
    }

    private static Set<String> holdersAt(List<Change> list, long when) {
        Set<String> s = new TreeSet<>();
        for (Change c : list) {
            if (c.nanos > when) {
                break;
            }
            if (c.present) {
                s.add(c.host);
            } else {
                s.remove(c.host);
            }
        }
        return s;
    }

    private static boolean ignored(List<long[]> intervals, long when) {
        if (intervals == null) {
            return false;
        }
        for (long[] iv : intervals) {
            if (when >= iv[0] && when < iv[1]) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void close() {
        for (Child m : monitors) {
            m.close();
        }
    }
}
