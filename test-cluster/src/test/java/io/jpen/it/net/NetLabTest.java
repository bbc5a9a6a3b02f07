package io.jpen.it.net;

import io.jpen.it.agent.BackendMain;
import io.jpen.node.testing.JpenProcess;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The harness itself, without jpen: hosts on a bridge, backends and the probe in namespaces, an address moved by hand
 * as keepalived would (delete, add, gratuitous ARP), what the watchers see, and that nothing is left behind.
 */
class NetLabTest {
    private static final Path LOGS = Path.of("target", "failover-logs", "netlab");

    @BeforeAll
    static void privileged() {
        Privileges.requireNetworkAdmin();
    }

    @Test
    void hostsReachEachOtherOnlyInsideTheLabAndCloseRemovesEverything() throws Exception {
        String ns;
        try (NetLab lab = NetLab.create(LOGS)) {
            Host a = lab.addHost("a", "10.79.0.1");
            Host b = lab.addHost("b", "10.79.0.2");
            ns = a.namespace();
            Child backend = b.start("backend", withArgs(Agents.java(b, BackendMain.class, "24m"), "B", "0.0.0.0", "9000"));
            backend.awaitOutput("listening", Duration.ofSeconds(20));
            try (Probe p = Probe.start(a, Duration.ofMillis(500))) {
                assertThat(p.track("10.79.0.2:9000", List.of("10.79.0.1"), Duration.ofSeconds(2)))
                        .containsEntry("10.79.0.1", "B");
            }
            // the machine itself has no route into the lab
            assertThat(Cmd.quiet("ip", "route", "get", "10.79.0.2").output()).doesNotContain(lab.bridge());
            assertThat(NetLab.present()).contains(ns, lab.bridge(), a.veth(), b.veth());
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> NetLab.present().stream().noneMatch(n -> n.contains(ns)));
    }

    @Test
    void aMovedAddressIsSeenByTheWatchersAndTheProbeFollowsTheGratuitousArp() throws Exception {
        String vip = "10.79.0.100";
        try (NetLab lab = NetLab.create(LOGS)) {
            Host a = lab.addHost("a", "10.79.0.1");
            Host b = lab.addHost("b", "10.79.0.2");
            Host c = lab.addHost("c", "10.79.0.3");
            for (Host h : List.of(a, b)) {
                h.start("backend", withArgs(Agents.java(h, BackendMain.class, "24m"), h.name(), "0.0.0.0", "9000"))
                        .awaitOutput("listening", Duration.ofSeconds(20));
            }
            VipWatch vips = lab.own(new VipWatch(List.of(a, b), Set.of(vip), lab.logDir()));
            ArpWatch arps = lab.own(new ArpWatch(c, Set.of(vip), lab.logDir()));
            a.exec("ip", "addr", "add", vip + "/16", "dev", "eth0").orThrow();
            assertThat(vips.awaitHolder(vip, "a"::equals, Duration.ofSeconds(5))).isEqualTo("a");
            try (Probe p = Probe.start(c, Duration.ofMillis(250))) {
                p.run("main", vip + ":9000");
                await().atMost(Duration.ofSeconds(10)).until(() -> p.successesSince("main", 0) >= 20);
                long moved = System.nanoTime();
                a.exec("ip", "addr", "del", vip + "/16", "dev", "eth0").orThrow();
                b.exec("ip", "addr", "add", vip + "/16", "dev", "eth0").orThrow();
                // the project's own script: it speaks either arping (iputils or Habets)
                b.exec(JpenProcess.root().resolve("vip-scripts/vip-garp").toString(), "eth0", vip)
                        .orThrow();
                assertThat(vips.awaitHolder(vip, "b"::equals, Duration.ofSeconds(5))).isEqualTo("b");
                assertThat(arps.await(vip, b.mac(), moved, Duration.ofSeconds(5))).isNotNull();
                await().atMost(Duration.ofSeconds(10)).until(() -> p.attempts("main").stream()
                        .anyMatch(x -> x.ok() && x.start() > moved && x.detail().equals("b")));
                p.halt("main");
                Map<String, Long> answered = new java.util.TreeMap<>();
                for (Probe.Attempt x : p.attempts("main")) {
                    answered.merge(x.ok() ? x.detail() : "failed", 1L, Long::sum);
                }
                assertThat(answered).containsKeys("a", "b");
                assertThat(vips.changesSince(vip, moved)).extracting(VipWatch.Change::host).containsExactly("a", "b");
            }
        }
    }

    @Test
    void leftoversOfADeadRunAreRemoved() throws Exception {
        long dead = deadPid();
        String ns = "jpt-" + dead + "z-x";
        String bridge = "jptbr" + dead + "z";
        Cmd.check("ip", "netns", "add", ns);
        Cmd.check("ip", "link", "add", bridge, "type", "bridge");
        NetLab.sweep();
        assertThat(NetLab.present()).doesNotContain(ns, bridge);
    }

    private static long deadPid() {
        for (long pid = 4_000_000; pid > 3_000_000; pid -= 7919) {
            if (ProcessHandle.of(pid).isEmpty()) {
                return pid;
            }
        }
        throw new IllegalStateException("no free pid");
    }

    private static List<String> withArgs(List<String> cmd, String... args) {
        List<String> c = new java.util.ArrayList<>(cmd);
        c.addAll(List.of(args));
        return c;
    }
}
