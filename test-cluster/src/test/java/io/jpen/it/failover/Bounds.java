package io.jpen.it.failover;

import org.assertj.core.api.SoftAssertions;

/** The CI bounds every scenario shares: generous, so they catch regressions without flaking on 2 busy cores. */
final class Bounds {
    private Bounds() {
    }

    /**
     * No long-lived connection through a surviving node is cut, and every tracked client keeps its (live) backend
     * when the shared table had reached every node before the fault.
     */
    static void common(SoftAssertions soft, Figures f) {
        soft.assertThat(f.lostSurvivors()).as("%s #%d: connections cut on survivors", f.scenario(), f.run())
                .isLessThanOrEqualTo(0);
        if ("yes".equals(f.extra().get("table on every node before the fault"))) {
            soft.assertThat(f.trackedMoved()).as("%s #%d: tracked clients that changed backend %s", f.scenario(),
                    f.run(), f.extra().getOrDefault("moved", "")).isLessThanOrEqualTo(0);
        }
    }

    /** A scenario figure (from {@link Figures#extra()}) is measured ("never" fails) and at most {@code max}. */
    static void atMost(SoftAssertions soft, Figures f, String key, long max) {
        String v = f.extra().get(key);
        soft.assertThat(v).as("%s #%d: %s", f.scenario(), f.run(), key).isNotNull().isNotEqualTo("never");
        if (v != null && !v.equals("never")) {
            soft.assertThat(Long.parseLong(v)).as("%s #%d: %s", f.scenario(), f.run(), key).isLessThanOrEqualTo(max);
        }
    }
}
