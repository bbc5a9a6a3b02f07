package io.jpen.it.failover;

import io.jpen.it.net.Probe;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The figures of one run of one scenario, as the report shows them. A value of -1 means "not measured in this
 * scenario". Times in milliseconds.
 *
 * @param gapMs            longest time without a successful new connection through the VIP: the largest distance
 *                         between the completions of two consecutive successful attempts, from 1 s before the fault to
 *                         the end of the run (about 10 ms when nothing fails: one attempt every 10 ms)
 * @param failed           attempts that failed (no greeting within the attempt timeout) in the same window
 * @param attempts         attempts in the window
 * @param lostFailed       long-lived connections cut that ran through the failed node (or to the dead backend)
 * @param lostSurvivors    long-lived connections cut that ran through a surviving node (must be zero)
 * @param streams          long-lived connections open when the fault came
 * @param trackedMoved     tracked clients answered by another backend after the fault (their backend still alive)
 * @param tracked          tracked clients compared
 * @param twoHoldersMs     time two nodes held the VIP at once (kernel addresses; a node with its cable cut excluded)
 * @param wholeMs          from the repair (restart, heal, resume) until every node sees the whole JGroups view and
 *                         Hazelcast membership again
 * @param extra            scenario-specific figures (name → value), shown in the report's notes
 */
public record Figures(String scenario, int run, long gapMs, long failed, long attempts, long lostFailed,
                      long lostSurvivors, long streams, long trackedMoved, long tracked, long twoHoldersMs,
                      long wholeMs, Map<String, String> extra) {

    /**
     * Gap and failures of a connector's attempts started in {@code [from, to]} (nanoTime).
     *
     * @param gapMs       the longest outage: from the start of a failed attempt to the start of the next successful
     *                    one (every attempt started in between failed); 0 when none failed
     * @param probePauseMs the longest time the probe started no attempt at all (it should start one every 10 ms; a
     *                    large value means the probe itself was starved of CPU and the gap may be understated)
     */
    public record Gap(long gapMs, long failed, long attempts, long probePauseMs) {
    }

    public static Gap gap(List<Probe.Attempt> all, long from, long to) {
        List<Probe.Attempt> window = new ArrayList<>(all.stream().filter(a -> a.start() >= from && a.start() <= to).toList());
        window.sort(Comparator.comparingLong(Probe.Attempt::start));
        long worst = 0;
        long outageStart = -1;
        long pause = 0;
        long prevStart = -1;
        for (Probe.Attempt a : window) {
            if (prevStart >= 0) {
                pause = Math.max(pause, a.start() - prevStart);
            }
            prevStart = a.start();
            if (!a.ok()) {
                if (outageStart < 0) {
                    outageStart = a.start();
                }
            } else if (outageStart >= 0) {
                worst = Math.max(worst, a.start() - outageStart);
                outageStart = -1;
            }
        }
        if (outageStart >= 0) {
            worst = Math.max(worst, to - outageStart);
        }
        long failed = window.stream().filter(a -> !a.ok()).count();
        return new Gap(worst / 1_000_000, failed, window.size(), pause / 1_000_000);
    }

    /** Builder for the scenario code: every figure starts as "not measured". */
    public static final class Builder {
        private final String scenario;
        private final int run;
        long gapMs = -1;
        long failed = -1;
        long attempts = -1;
        long lostFailed = -1;
        long lostSurvivors = -1;
        long streams = -1;
        long trackedMoved = -1;
        long tracked = -1;
        long twoHoldersMs = -1;
        long wholeMs = -1;
        final Map<String, String> extra = new LinkedHashMap<>();

        public Builder(String scenario, int run) {
            this.scenario = scenario;
            this.run = run;
        }

        public Builder gap(Gap g) {
            gapMs = g.gapMs;
            failed = g.failed;
            attempts = g.attempts;
            if (g.probePauseMs > 100) {
                extra("probe paused (CPU starved) up to", g.probePauseMs);
            }
            return this;
        }

        /** The gap when it is measured otherwise than with a connector (the container test). */
        public Builder gapMs(long ms) {
            gapMs = ms;
            return this;
        }

        public Builder extra(String name, Object value) {
            extra.put(name, String.valueOf(value));
            return this;
        }

        public Figures build() {
            return new Figures(scenario, run, gapMs, failed, attempts, lostFailed, lostSurvivors, streams, trackedMoved,
                    tracked, twoHoldersMs, wholeMs, Map.copyOf(extra));
        }
    }

    @Override
    public String toString() {
        return scenario + " #" + run + ": gap " + gapMs + " ms, failed " + failed + "/" + attempts + ", lost "
                + lostFailed + "+" + lostSurvivors + "/" + streams + ", tracked moved " + trackedMoved + "/" + tracked
                + ", two holders " + twoHoldersMs + " ms, whole " + wholeMs + " ms " + extra;
    }
}
