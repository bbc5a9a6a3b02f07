package io.jpen.it.failover;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.ToLongFunction;

/**
 * The failover report: every run of every scenario in this JVM, summarised per scenario as one Markdown table row,
 * written to {@code target/failover-report.md} after each scenario and printed at the end of each test class. The
 * issue's targets are shown next to the figures (met or missed); they are reported, not asserted.
 */
public final class Report {
    public static final Path FILE = Path.of("target", "failover-report.md");

    /** A product target of the issue for one scenario, judged on all its runs. */
    public record Target(String text, Predicate<List<Figures>> met) {
    }

    private static final Map<String, List<Figures>> RUNS = new LinkedHashMap<>();
    private static final Map<String, Target> TARGETS = new LinkedHashMap<>();
    private static final Map<String, String> SETUPS = new LinkedHashMap<>();

    private Report() {
    }

    public static synchronized void add(Figures f, String setup, Target target) {
        RUNS.computeIfAbsent(f.scenario(), k -> new ArrayList<>()).add(f);
        if (target != null) {
            TARGETS.put(f.scenario(), target);
        }
        SETUPS.put(f.scenario(), setup);
        write();
    }

    public static synchronized List<Figures> runs(String scenario) {
        return List.copyOf(RUNS.getOrDefault(scenario, List.of()));
    }

    /** The report as Markdown. */
    public static synchronized String markdown() {
        StringBuilder b = new StringBuilder();
        b.append("# jpen failover report\n\n");
        b.append("Measured ").append(LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm")))
                .append(" on ").append(Runtime.getRuntime().availableProcessors()).append(" cores, ")
                .append(Boolean.getBoolean("jpen.failover.full") ? "full run" : "short (CI) run")
                .append(". Network namespaces on one bridge; a client opens a new connection through the VIP every 10 ms ")
                .append("(attempt timeout ").append(Scenarios.ATTEMPT_TIMEOUT.toMillis()).append(" ms). ")
                .append("Gap: longest time in which every new connection failed (from the first failed attempt to the ")
                .append("next successful one). Times in ms; p50/p99/max over the runs (p99 from 20 runs on). ")
                .append("See docs/testing.md.\n\n");
        b.append("| scenario | runs | gap p50 / p99 / max | failed attempts (max/run) | conns cut: failed node / survivors "
                + "| tracked clients moved | two holders (max) | whole again (max) | target (issue #6) | met |\n");
        b.append("|---|---|---|---|---|---|---|---|---|---|\n");
        for (Map.Entry<String, List<Figures>> e : RUNS.entrySet()) {
            List<Figures> runs = e.getValue();
            Target t = TARGETS.get(e.getKey());
            b.append("| ").append(e.getKey())
                    .append(" | ").append(runs.size())
                    .append(" | ").append(spread(runs, Figures::gapMs))
                    .append(" | ").append(max(runs, Figures::failed))
                    .append(" | ").append(sum(runs, Figures::lostFailed)).append(" / ").append(sum(runs, Figures::lostSurvivors))
                    .append(" of ").append(sum(runs, Figures::streams))
                    .append(" | ").append(sum(runs, Figures::trackedMoved)).append(" of ").append(sum(runs, Figures::tracked))
                    .append(" | ").append(max(runs, Figures::twoHoldersMs))
                    .append(" | ").append(max(runs, Figures::wholeMs))
                    .append(" | ").append(t == null ? "" : t.text())
                    .append(" | ").append(t == null ? "" : t.met().test(runs) ? "yes" : "**no**")
                    .append(" |\n");
        }
        b.append("\nSetups and scenario figures:\n\n");
        for (Map.Entry<String, List<Figures>> e : RUNS.entrySet()) {
            b.append("- **").append(e.getKey()).append("** (").append(SETUPS.get(e.getKey())).append(")");
            Set<String> keys = new LinkedHashSet<>();
            e.getValue().forEach(f -> keys.addAll(f.extra().keySet()));
            for (String k : keys) {
                b.append("; ").append(k).append(": ").append(values(e.getValue(), k));
            }
            b.append('\n');
        }
        return b.toString();
    }

    private static void write() {
        try {
            Files.createDirectories(FILE.toAbsolutePath().getParent());
            Files.writeString(FILE, markdown());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Prints the report (at the end of a test class). */
    public static synchronized void print() {
        if (!RUNS.isEmpty()) {
            System.out.println("\n" + markdown() + "\n(written to " + FILE.toAbsolutePath() + ")\n");
        }
    }

    // ------------------------------------------------------------------------------------------------ statistics

    /** Nearest-rank percentile of measured (non-negative) values; -1 when there are none. */
    public static long percentile(List<Long> values, double p) {
        List<Long> v = values.stream().filter(x -> x >= 0).sorted().toList();
        if (v.isEmpty()) {
            return -1;
        }
        int rank = (int) Math.ceil(p / 100.0 * v.size());
        return v.get(Math.max(0, Math.min(v.size() - 1, rank - 1)));
    }

    private static String spread(List<Figures> runs, ToLongFunction<Figures> f) {
        List<Long> v = runs.stream().map(f::applyAsLong).filter(x -> x >= 0).toList();
        if (v.isEmpty()) {
            return "–";
        }
        return percentile(v, 50) + " / " + (v.size() >= 20 ? Long.toString(percentile(v, 99)) : "–") + " / "
                + percentile(v, 100);
    }

    private static String max(List<Figures> runs, ToLongFunction<Figures> f) {
        long m = runs.stream().mapToLong(f).max().orElse(-1);
        return m < 0 ? "–" : Long.toString(m);
    }

    private static String sum(List<Figures> runs, ToLongFunction<Figures> f) {
        List<Long> v = runs.stream().map(f::applyAsLong).filter(x -> x >= 0).toList();
        return v.isEmpty() ? "–" : Long.toString(v.stream().mapToLong(Long::longValue).sum());
    }

    private static String values(List<Figures> runs, String key) {
        List<String> raw = runs.stream().map(f -> f.extra().get(key)).filter(x -> x != null).toList();
        List<Long> nums = new ArrayList<>();
        for (String s : raw) {
            try {
                nums.add(Long.parseLong(s));
            } catch (NumberFormatException e) {
                return String.join(", ", new LinkedHashSet<>(raw));
            }
        }
        if (nums.size() == 1) {
            return nums.get(0).toString();
        }
        return "p50 " + percentile(nums, 50) + ", max " + percentile(nums, 100);
    }
}
