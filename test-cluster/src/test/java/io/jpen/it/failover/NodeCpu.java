package io.jpen.it.failover;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/**
 * How busy the nodes' JVMs were over an interval, from {@code /proc/PID/stat} (user + system time), as a share of
 * one core. A trial reports the busiest node over its clean second before the fault: a node restarted by the
 * previous run compiles its hot code for ten seconds and more on these two cores, and a fault during that burst is
 * slower to handle (the killed JVM's teardown and the survivors' reaction wait for CPU).
 */
final class NodeCpu {
    /** clock ticks per second of /proc's times (USER_HZ: 100 on every Linux this runs on) */
    private static final double TICKS = 100.0;

    private final long since = System.nanoTime();
    private final Map<Long, Long> ticksAtStart = new HashMap<>();

    private NodeCpu(Collection<Long> pids) {
        for (long pid : pids) {
            long t = ticks(pid);
            if (t >= 0) {
                ticksAtStart.put(pid, t);
            }
        }
    }

    /** Starts measuring {@code pids}. */
    static NodeCpu start(Collection<Long> pids) {
        return new NodeCpu(pids);
    }

    /** The busiest process's share of one core since {@link #start} (1.0 = a whole core), -1 if none was read. */
    double busiest() {
        double seconds = (System.nanoTime() - since) / 1e9;
        double max = -1;
        for (var e : ticksAtStart.entrySet()) {
            long t = ticks(e.getKey());
            if (t >= 0 && seconds > 0) {
                max = Math.max(max, (t - e.getValue()) / TICKS / seconds);
            }
        }
        return max;
    }

    /** utime + stime of {@code pid} in clock ticks, -1 if it cannot be read */
    private static long ticks(long pid) {
        try {
            String s = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // the fields after the command name (which may contain spaces and parentheses): utime is field 14,
            // stime 15 of the whole line
            String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
