package io.jpen.cluster.leader.election;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class ElectionTest {
    private static final long NOW = 1_000_000;
    private static final long NEVER = Long.MAX_VALUE;

    /** A member in view position {@code seniority} with one priority for every VIP given. */
    private static Candidate<String> m(String id, int seniority, int prio, String... vips) {
        Map<String, Integer> p = new java.util.HashMap<>();
        for (String v : vips) {
            p.put(v, prio);
        }
        return new Candidate<>(id, seniority, true, false, false, NEVER, p, Map.of(), Set.of());
    }

    private static Candidate<String> holding(Candidate<String> c, String... vips) {
        return holdingSince(c, 1, vips);
    }

    private static Candidate<String> holdingSince(Candidate<String> c, long since, String... vips) {
        Map<String, Long> h = new java.util.HashMap<>();
        for (String v : vips) {
            h.put(v, since);
        }
        return new Candidate<>(c.id(), c.seniority(), c.eligible(), c.witness(), c.leaving(), c.preemptAllowedAt(),
                c.priorities(), h, c.faulted(), c.ready());
    }

    private static Candidate<String> preemptAt(Candidate<String> c, long at) {
        return new Candidate<>(c.id(), c.seniority(), c.eligible(), c.witness(), c.leaving(), at, c.priorities(),
                c.holding(), c.faulted(), c.ready());
    }

    private static Candidate<String> leaving(Candidate<String> c) {
        return new Candidate<>(c.id(), c.seniority(), c.eligible(), c.witness(), true, c.preemptAllowedAt(),
                c.priorities(), c.holding(), c.faulted(), c.ready());
    }

    private static Candidate<String> ineligible(Candidate<String> c) {
        return new Candidate<>(c.id(), c.seniority(), false, c.witness(), c.leaving(), c.preemptAllowedAt(),
                c.priorities(), c.holding(), c.faulted(), c.ready());
    }

    private static Candidate<String> faulted(Candidate<String> c, String vip) {
        return new Candidate<>(c.id(), c.seniority(), c.eligible(), c.witness(), c.leaving(), c.preemptAllowedAt(),
                c.priorities(), c.holding(), Set.of(vip), c.ready());
    }

    private static Candidate<String> witness(String id, int seniority) {
        return new Candidate<>(id, seniority, true, true, false, NEVER, Map.of(), Map.of(), Set.of());
    }

    private static Election.Result<String> decide(List<Candidate<String>> members, String... vips) {
        return Election.decide(members, List.of(vips), Map.of(), true, true, NOW);
    }

    @Test
    void freeVipGoesToTheHighestPriority() {
        var r = decide(List.of(m("a", 0, 100, "v"), m("b", 1, 150, "v")), "v");
        assertThat(r.holders()).containsEntry("v", "b");
    }

    @Test
    void equalPrioritiesGoToTheOldestMember() {
        var r = decide(List.of(m("b", 1, 100, "v"), m("a", 0, 100, "v"), m("c", 2, 100, "v")), "v");
        assertThat(r.holders()).containsEntry("v", "a");
    }

    @Test
    void nopreemptLeavesTheVipWithAHolderOfLowerPriority() {
        var r = decide(List.of(holding(m("a", 0, 100, "v"), "v"), m("b", 1, 200, "v")), "v");
        assertThat(r.holders()).containsEntry("v", "a");
        assertThat(r.recheckAt()).isEqualTo(NEVER);
    }

    @Test
    void preemptTakesTheVipOnlyOnceTheDelayHasPassed() {
        Candidate<String> a = holding(m("a", 0, 100, "v"), "v");
        Candidate<String> early = preemptAt(m("b", 1, 200, "v"), NOW + 5000);
        var before = decide(List.of(a, early), "v");
        assertThat(before.holders()).containsEntry("v", "a");
        assertThat(before.recheckAt()).isEqualTo(NOW + 5000);

        var after = decide(List.of(a, preemptAt(m("b", 1, 200, "v"), NOW)), "v");
        assertThat(after.holders()).containsEntry("v", "b");
    }

    @Test
    void preemptNeedsAStrictlyHigherPriority() {
        var r = decide(List.of(holding(m("a", 0, 100, "v"), "v"), preemptAt(m("b", 1, 100, "v"), 0)), "v");
        assertThat(r.holders()).containsEntry("v", "a");
    }

    @Test
    void withoutQuorumNobodyHolds() {
        var r = Election.decide(List.of(holding(m("a", 0, 100, "v"), "v")), List.of("v"), Map.of(), false, true, NOW);
        assertThat(r.holders()).isEmpty();
        assertThat(r.unheld()).containsExactly("v");
    }

    @Test
    void afterASplitHealsTheHolderThatTookTheVipLastKeepsIt() {
        // a held it, b took it over during the split (its ARP is what clients follow); c is better but idle
        var r = decide(List.of(holdingSince(m("a", 0, 150, "v"), 1000, "v"), holdingSince(m("b", 1, 100, "v"), 2000, "v"),
                m("c", 2, 250, "v")), "v");
        assertThat(r.holders()).as("one of the holders keeps it: one move at most").containsEntry("v", "b");
    }

    @Test
    void betweenHoldersOfTheSameAgePriorityThenSeniorityDecide() {
        var byPrio = decide(List.of(holding(m("a", 0, 100, "v"), "v"), holding(m("b", 1, 150, "v"), "v")), "v");
        assertThat(byPrio.holders()).containsEntry("v", "b");
        var bySeniority = decide(List.of(holding(m("b", 1, 100, "v"), "v"), holding(m("a", 0, 100, "v"), "v")), "v");
        assertThat(bySeniority.holders()).containsEntry("v", "a");
    }

    @Test
    void anActualHolderWinsOverAMemberThatWasOnlyChosen() {
        var r = Election.decide(List.of(m("a", 0, 100, "v"), holding(m("b", 1, 100, "v"), "v")), List.of("v"),
                Map.of("v", "a"), true, true, NOW);
        assertThat(r.holders()).containsEntry("v", "b");
    }

    @Test
    void aChosenMemberKeepsTheVipBeforeItReportsHoldingIt() {
        var r = Election.decide(List.of(m("a", 0, 200, "v"), m("b", 1, 100, "v")), List.of("v"),
                Map.of("v", "b"), true, true, NOW);
        assertThat(r.holders()).containsEntry("v", "b");
    }

    @Test
    void aLeavingHolderHandsTheVipToTheBestOtherMember() {
        var r = decide(List.of(leaving(holding(m("a", 0, 200, "v"), "v")), m("b", 1, 100, "v"), m("c", 2, 150, "v")), "v");
        assertThat(r.holders()).containsEntry("v", "c");
    }

    @Test
    void aLeavingHolderKeepsTheVipWhenNobodyElseCanTakeIt() {
        var r = decide(List.of(leaving(holding(m("a", 0, 200, "v"), "v")), ineligible(m("b", 1, 100, "v"))), "v");
        assertThat(r.holders()).containsEntry("v", "a");
    }

    @Test
    void aFaultedOrIneligibleHolderLosesTheVip() {
        var fault = decide(List.of(faulted(holding(m("a", 0, 200, "v"), "v"), "v"), m("b", 1, 100, "v")), "v");
        assertThat(fault.holders()).containsEntry("v", "b");
        var down = decide(List.of(ineligible(holding(m("a", 0, 200, "v"), "v")), m("b", 1, 100, "v")), "v");
        assertThat(down.holders()).containsEntry("v", "b");
    }

    @Test
    void aVipNobodyCanHoldIsUnheld() {
        var r = decide(List.of(ineligible(m("a", 0, 100, "v")), witness("w", 1)), "v");
        assertThat(r.holders()).isEmpty();
        assertThat(r.unheld()).containsExactly("v");
    }

    @Test
    void aWitnessNeverHolds() {
        var r = decide(List.of(witness("w", 0), m("a", 1, 1, "v")), "v");
        assertThat(r.holders()).containsEntry("v", "a");
    }

    @Test
    void severalVipsSpreadOverTheMembers() {
        List<Candidate<String>> ms = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ms.add(m("n" + i, i, 100, "v1", "v2", "v3"));
        }
        var r = decide(ms, "v1", "v2", "v3");
        assertThat(r.holders().values()).containsExactlyInAnyOrder("n0", "n1", "n2");
    }

    @Test
    void aFailedNodesVipGoesToTheLeastLoadedSurvivorAndTheOthersStay() {
        // n1 held v2 and is gone; n0 holds v1, n2 holds v3 and v4
        var r = decide(List.of(holding(m("n0", 0, 100, "v1", "v2", "v3", "v4"), "v1"),
                holding(m("n2", 2, 100, "v1", "v2", "v3", "v4"), "v3", "v4")), "v1", "v2", "v3", "v4");
        assertThat(r.holders()).containsEntry("v1", "n0").containsEntry("v3", "n2").containsEntry("v4", "n2")
                .containsEntry("v2", "n0");
    }

    @Test
    void homePrioritiesPutEachVipOnItsOwnNode() {
        List<Candidate<String>> ms = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Map<String, Integer> p = Map.of("v0", i == 0 ? 150 : 100, "v1", i == 1 ? 150 : 100, "v2", i == 2 ? 150 : 100);
            ms.add(new Candidate<>("n" + i, i, true, false, false, NEVER, p, Map.of(), Set.of()));
        }
        var r = decide(ms, "v0", "v1", "v2");
        assertThat(r.holders()).containsEntry("v0", "n0").containsEntry("v1", "n1").containsEntry("v2", "n2");
    }

    @Test
    void whileStatusesAreMissingAFreeVipStaysUndecidedButIncumbentsKeepTheirs() {
        var r = Election.decide(List.of(holding(m("a", 0, 100, "v1", "v2"), "v1")), List.of("v1", "v2"), Map.of(),
                true, false, NOW);
        assertThat(r.holders()).containsOnlyKeys("v1");
        assertThat(r.unheld()).isEmpty();
    }

    @Test
    void theDecisionDoesNotDependOnTheOrderStatusesArrive() {
        List<Candidate<String>> ms = List.of(m("a", 0, 100, "v1", "v2", "v3"), m("b", 1, 120, "v1", "v2"),
                m("c", 2, 100, "v1", "v2", "v3"));
        var one = decide(ms, "v3", "v1", "v2");
        var two = decide(List.of(ms.get(2), ms.get(0), ms.get(1)), "v1", "v2", "v3");
        assertThat(one.holders()).isEqualTo(two.holders());
    }

    // ------------------------------------------------------------------------------------------------ readiness

    private static Candidate<String> notReady(Candidate<String> c) {
        return new Candidate<>(c.id(), c.seniority(), c.eligible(), c.witness(), c.leaving(), c.preemptAllowedAt(),
                c.priorities(), c.holding(), c.faulted(), false);
    }

    @Test
    void aFreeVipGoesToAReadyMemberBeforeAnOlderOneStillLoadingItsTable() {
        var r = decide(List.of(notReady(m("a", 0, 100, "v")), m("b", 1, 100, "v")), "v");
        assertThat(r.holders()).containsEntry("v", "b");
    }

    @Test
    void aMemberThatIsNotReadyStillTakesAVipNobodyElseCanHold() {
        var r = decide(List.of(notReady(m("a", 0, 100, "v")), ineligible(m("b", 1, 100, "v"))), "v");
        assertThat(r.holders()).containsEntry("v", "a");
    }

    @Test
    void aMemberThatIsNotReadyDoesNotPreempt() {
        var r = decide(List.of(holding(m("a", 0, 100, "v"), "v"), preemptAt(notReady(m("b", 1, 200, "v")), 0)), "v");
        assertThat(r.holders()).containsEntry("v", "a");
    }

    @Test
    void anIncumbentThatIsNotReadyKeepsItsVip() {
        var r = decide(List.of(notReady(holding(m("a", 0, 100, "v"), "v")), m("b", 1, 100, "v")), "v");
        assertThat(r.holders()).containsEntry("v", "a");
    }

    // ------------------------------------------------------------------------------------------------ rebalancing

    private static Election.Result<String> rebalance(List<Candidate<String>> members, Map<String, String> pending,
                                                     Election.Rebalance mode, String... vips) {
        return Election.decide(members, List.of(vips), pending, true, true, NOW, mode);
    }

    private static final String[] V3 = {"v1", "v2", "v3"};

    @Test
    void theFirstNodeUpGivesOneVipToANodeThatJoinedWithNone() {
        var r = rebalance(List.of(holding(m("a", 0, 100, V3), V3), m("b", 1, 100, V3), m("c", 2, 100, V3)),
                Map.of("v1", "a", "v2", "a", "v3", "a"), Election.Rebalance.START, V3);
        assertThat(r.holders()).containsEntry("v1", "b").containsEntry("v2", "a").containsEntry("v3", "a");
        assertThat(r.rebalanced()).containsExactly(Map.entry("v1", "a"));
    }

    @Test
    void aMoveInProgressGoesOnUntilTheNewHolderHoldsAndTheNextWaits() {
        List<Candidate<String>> ms = List.of(holding(m("a", 0, 100, V3), V3), m("b", 1, 100, V3), m("c", 2, 100, V3));
        Map<String, String> decided = Map.of("v1", "b", "v2", "a", "v3", "a");
        var going = rebalance(ms, decided, Election.Rebalance.CONTINUE, V3);
        assertThat(going.holders()).isEqualTo(decided);
        // the new holder reports holding while the old one still does: it keeps it, nothing else moves yet
        var both = rebalance(List.of(holding(m("a", 0, 100, V3), V3), holdingSince(m("b", 1, 100, V3), 5, "v1"),
                m("c", 2, 100, V3)), decided, Election.Rebalance.START, V3);
        assertThat(both.holders()).isEqualTo(decided);
        // settled: the next move, to c
        var next = rebalance(List.of(holding(m("a", 0, 100, V3), "v2", "v3"), holding(m("b", 1, 100, V3), "v1"),
                m("c", 2, 100, V3)), decided, Election.Rebalance.START, V3);
        assertThat(next.holders()).containsEntry("v1", "b").containsEntry("v2", "c").containsEntry("v3", "a");
        // spread: no further move
        Map<String, String> spread = Map.of("v1", "b", "v2", "c", "v3", "a");
        var done = rebalance(List.of(holding(m("a", 0, 100, V3), "v3"), holding(m("b", 1, 100, V3), "v1"),
                holding(m("c", 2, 100, V3), "v2")), spread, Election.Rebalance.START, V3);
        assertThat(done.holders()).isEqualTo(spread);
        assertThat(done.rebalanced()).isEmpty();
    }

    @Test
    void aPairWithOneVipNeverMovesIt() {
        var r = rebalance(List.of(holding(m("a", 0, 100, "v"), "v"), m("b", 1, 100, "v")), Map.of("v", "a"),
                Election.Rebalance.START, "v");
        assertThat(r.holders()).containsEntry("v", "a");
        assertThat(r.rebalanced()).isEmpty();
    }

    @Test
    void aPairWithThreeVipsEndsTwoAndOne() {
        var r = rebalance(List.of(holding(m("a", 0, 100, V3), V3), m("b", 1, 100, V3)),
                Map.of("v1", "a", "v2", "a", "v3", "a"), Election.Rebalance.START, V3);
        assertThat(r.holders()).containsEntry("v1", "b");
        var after = rebalance(List.of(holding(m("a", 0, 100, V3), "v2", "v3"), holding(m("b", 1, 100, V3), "v1")),
                r.holders(), Election.Rebalance.START, V3);
        assertThat(after.rebalanced()).isEmpty();
    }

    @Test
    void rebalancingNeverMovesAVipToALowerPriorityNorToAMemberThatIsNotReady() {
        Map<String, Integer> home = Map.of("v1", 150, "v2", 100, "v3", 100);
        Candidate<String> a = new Candidate<>("a", 0, true, false, false, NEVER, home,
                Map.of("v1", 1L, "v2", 1L, "v3", 1L), Set.of());
        Map<String, String> all = Map.of("v1", "a", "v2", "a", "v3", "a");
        var r = rebalance(List.of(a, m("b", 1, 100, V3)), all, Election.Rebalance.START, V3);
        assertThat(r.holders()).containsEntry("v1", "a").containsEntry("v2", "b").containsEntry("v3", "a");
        var none = rebalance(List.of(a, notReady(m("b", 1, 100, V3))), all, Election.Rebalance.START, V3);
        assertThat(none.holders()).isEqualTo(all);
    }

    @Test
    void withoutRebalancingOrBeforeTheClusterIsStableNothingMoves() {
        List<Candidate<String>> ms = List.of(holding(m("a", 0, 100, V3), V3), m("b", 1, 100, V3));
        Map<String, String> all = Map.of("v1", "a", "v2", "a", "v3", "a");
        assertThat(rebalance(ms, all, Election.Rebalance.OFF, V3).holders()).isEqualTo(all);
        assertThat(rebalance(ms, all, Election.Rebalance.CONTINUE, V3).holders()).isEqualTo(all);
    }

    @Test
    void aMoveThatNoLongerEvensOutTheLoadIsCalledOff() {
        // v1 was to go from a to b, but b took v2 and v3 over meanwhile (a's other VIPs failed over): a keeps v1
        var r = rebalance(List.of(holding(m("a", 0, 100, V3), "v1"), holding(m("b", 1, 100, V3), "v2", "v3")),
                Map.of("v1", "b", "v2", "b", "v3", "b"), Election.Rebalance.START, V3);
        assertThat(r.holders()).containsEntry("v1", "a");
    }
}
