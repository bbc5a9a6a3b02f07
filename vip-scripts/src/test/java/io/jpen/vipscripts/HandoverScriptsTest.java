package io.jpen.vipscripts;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.jpen.vipscripts.HandoverHosts.CLIENT;
import static io.jpen.vipscripts.HandoverHosts.NEXT;
import static io.jpen.vipscripts.HandoverHosts.NEXT_IP;
import static io.jpen.vipscripts.HandoverHosts.OLD;
import static io.jpen.vipscripts.HandoverHosts.OLD_IP;
import static io.jpen.vipscripts.HandoverHosts.env;
import static io.jpen.vipscripts.HandoverHosts.in;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * vip-handover-forward and vip-handover-release against real kernels: three namespaces on one bridge (old holder,
 * successor, client), a server in each holder's namespace that names itself, long-lived streams and a new connection
 * every 10 ms from the client. The handover is done by the scripts alone, in the order the node runs them. Needs
 * root and nft; skipped, saying why, elsewhere (CI runs it as root).
 */
class HandoverScriptsTest {
    private static final String VIP = "10.77.50.100";
    private static final String CIDR = VIP + "/24";
    private static final String PORT = "8080";
    private static final Map<String, String> GARP = env("JPEN_GARP_REPEAT", "3", "JPEN_GARP_INTERVAL", "0.02");
    private static HandoverHosts net;
    private static final List<HandoverHosts.Probe> servers = new ArrayList<>();

    @BeforeAll
    static void network() throws IOException {
        String why = HandoverHosts.unavailable();
        if (why != null && System.getenv("JPEN_NETNS_REQUIRED") != null) {
            throw new IllegalStateException("JPEN_NETNS_REQUIRED is set but the namespace tests cannot run: " + why);
        }
        if (why != null) {
            System.err.println("HandoverScriptsTest SKIPPED: " + why);
        }
        Assumptions.assumeTrue(why == null, why);
        net = new HandoverHosts();
    }

    @AfterAll
    static void removeNetwork() {
        if (net != null) {
            net.close();
        }
    }

    @BeforeEach
    @AfterEach
    void nothingLeft() throws IOException {
        for (String ns : List.of(OLD, NEXT)) {
            for (String name : List.of("VI_1", "VI_2")) {
                for (String s : List.of("vip-handover-forward", "vip-handover-release")) {
                    TwoHosts.script(ns, env("JPEN_VIP_NAME", name), s, "del", "eth0", CIDR);
                    TwoHosts.script(ns, env("JPEN_VIP_NAME", name), s, "del", "eth0", "10.77.50.101/24");
                }
            }
            TwoHosts.script(ns, Map.of(), "vip-down", "eth0", CIDR);
        }
    }

    private static TwoHosts.Result script(String ns, Map<String, String> env, String... args) throws IOException {
        TwoHosts.Result r = TwoHosts.script(ns, env, args);
        assertThat(r.status()).as(String.join(" ", args) + " in " + ns + ": " + r.output()).isZero();
        return r;
    }

    private static Map<String, String> vi1(String... kv) {
        Map<String, String> m = env(kv);
        m.put("JPEN_VIP_NAME", "VI_1");
        m.put("JPEN_EPOCH", "3.1");
        return m;
    }

    @Test
    void establishedConnectionsSurviveTheHandoverAndNewOnesGoToTheSuccessor() throws Exception {
        // strict reverse-path filtering, as many distributions have it
        for (String ns : List.of(OLD, NEXT)) {
            HandoverHosts.setSysctl(ns, "net/ipv4/conf/all/rp_filter", "1");
            HandoverHosts.setSysctl(ns, "net/ipv4/conf/eth0/rp_filter", "1");
        }
        String oldBefore = HandoverHosts.footprint(OLD);
        String nextBefore = HandoverHosts.footprint(NEXT);

        List<String> out = handover(true);

        Figures f = Figures.of(out);
        System.out.println("FIGURE scripts-only handover, 4 streams + a connection every 10 ms: " + f);
        assertThat(f.failed).as(String.join("\n", out.stream().filter(l -> l.contains(" fail ")).toList())).isZero();
        assertThat(out).filteredOn(l -> l.startsWith("STREAM ") && !l.contains(" UP "))
                .hasSize(4).allMatch(l -> l.matches("STREAM \\d OK \\d+"));
        assertThat(out).as("idle connections closed by the client after the move: the FIN reaches the old holder")
                .filteredOn(l -> l.startsWith("IDLE ") && !l.contains(" UP ")).containsExactly("IDLE 0 OK", "IDLE 1 OK");
        assertThat(f.answeredByOldAfter).as("attempts answered by the old holder after its release (in flight)")
                .isLessThan(10);
        // the old holder exits after draining; the successor stops forwarding: nothing of either is left
        script(OLD, vi1(), "vip-handover-release", "del", "eth0", CIDR);
        script(NEXT, vi1(), "vip-handover-forward", "del", "eth0", CIDR);
        script(NEXT, Map.of(), "vip-down", "eth0", CIDR);
        assertThat(HandoverHosts.footprint(OLD)).isEqualTo(oldBefore);
        assertThat(HandoverHosts.footprint(NEXT)).isEqualTo(nextBefore);
    }

    @Test
    void withoutTheHandoverScriptsTheSuccessorResetsTheStreams() throws Exception {
        // the control experiment: the same move with vip-up and vip-down only (what a handover did before)
        List<String> out = handover(false);
        System.out.println("FIGURE the same without forwarding: " + Figures.of(out));
        assertThat(out).filteredOn(l -> (l.startsWith("STREAM ") || l.startsWith("IDLE ")) && !l.contains(" UP "))
                .hasSize(6).allMatch(l -> l.contains(" CUT "));
    }

    /**
     * Servers named O and S, the VIP on the old holder, a client with 4 streams and a connection every 10 ms; then
     * the handover (with the scripts, or vip-up/vip-down only), 1.5 s more of streaming (or until every stream is
     * cut), a check that only the successor answers ARP for the VIP; returns the client's output, the lines
     * {@code HANDOVER} and {@code RELEASED} marking where the move began and where the old holder had let go.
     */
    private List<String> handover(boolean forward) throws Exception {
        if (servers.isEmpty()) {
            servers.add(net.probe(OLD, "serve", PORT, "O"));
            servers.add(net.probe(NEXT, "serve", PORT, "S"));
        }
        for (HandoverHosts.Probe s : servers) {
            s.awaitLine("LISTENING", Duration.ofSeconds(30));
        }
        script(OLD, GARP, "vip-up", "eth0", CIDR);
        HandoverHosts.Probe client = net.probe(CLIENT, "client", VIP, PORT, "4", "10", "2");
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> client.lines().stream()
                    .filter(l -> l.matches("(STREAM|IDLE) \\d UP O")).count() == 6
                    && client.lines().stream().filter(l -> l.endsWith(" ok O")).count() >= 30);

            // as the nodes run it: the successor forwards, then takes the VIP; then the old holder lets go
            int before = client.lines().size();
            if (forward) {
                script(NEXT, vi1(), "vip-handover-forward", "add", "eth0", CIDR, OLD_IP, PORT);
                script(NEXT, GARP, "vip-up", "eth0", CIDR);
                script(OLD, vi1("JPEN_RELEASE_LIFETIME", "60"), "vip-handover-release", "add", "eth0", CIDR, NEXT_IP,
                        PORT);
                assertThat(in(OLD, "ip", "-o", "-4", "addr", "show", "dev", "lo").output())
                        .contains(VIP + "/32").contains("valid_lft");
            } else {
                script(NEXT, GARP, "vip-up", "eth0", CIDR);
                script(OLD, Map.of(), "vip-down", "eth0", CIDR);
            }
            assertThat(in(OLD, "ip", "-o", "-4", "addr", "show", "dev", "eth0").output()).doesNotContain(VIP);
            int released = client.lines().size();
            // every stream goes on for at least 150 more blocks (1.5 s), new connections land on the successor
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                List<String> all = client.lines();
                List<String> after = all.subList(Math.min(before, all.size()), all.size());
                return after.stream().filter(l -> l.endsWith(" ok S")).count() >= 100
                        && (progressed(after, 4, 150) || !forward);
            });
            // a client that forgot the VIP's MAC asks again: only the successor answers (the old holder has it on lo)
            in(CLIENT, "ip", "neigh", "flush", "dev", "eth0");
            int flushed = client.lines().size();
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                List<String> all = client.lines();
                return all.subList(Math.min(flushed, all.size()), all.size()).stream()
                        .filter(l -> l.endsWith(" ok S")).count() >= 20;
            });
            assertThat(neighbour(VIP)).isEqualTo(HandoverHosts.mac(NEXT));
            List<String> out = new ArrayList<>(client.stop());
            out.add(released, "RELEASED");
            out.add(before, "HANDOVER");
            return out;
        } finally {
            client.process.destroyForcibly();
        }
    }

    /** Whether each of {@code streams} streams reported at least {@code blocks} more blocks in {@code lines}. */
    private static boolean progressed(List<String> lines, int streams, int blocks) {
        for (int i = 0; i < streams; i++) {
            String p = "P " + i + " ";
            List<Long> seen = lines.stream().filter(l -> l.startsWith(p)).map(l -> Long.parseLong(l.substring(p.length())))
                    .toList();
            if (seen.isEmpty() || seen.get(seen.size() - 1) - seen.get(0) < blocks) {
                return false;
            }
        }
        return true;
    }

    private static String neighbour(String ip) throws IOException {
        String outp = TwoHosts.run(List.of("ip", "-n", CLIENT, "neigh", "show", "to", ip, "dev", "eth0")).output();
        int i = outp.indexOf("lladdr ");
        return i < 0 ? "" : outp.substring(i + 7).split("\\s+")[0];
    }

    /** What the client saw: attempts, failures, the longest time without a successful new connection. */
    record Figures(int attempts, int failed, long maxGapMs, long answeredByOldAfter, String streams) {
        static Figures of(List<String> out) {
            int releasedLine = out.indexOf("RELEASED");
            int attempts = 0;
            int failed = 0;
            long last = -1;
            long gap = 0;
            long oldAfter = 0;
            for (int i = 0; i < out.size(); i++) {
                String[] p = out.get(i).split(" ");
                if (!p[0].equals("A")) {
                    continue;
                }
                attempts++;
                long t = Long.parseLong(p[1]);
                if (p[2].equals("ok")) {
                    if (last >= 0) {
                        gap = Math.max(gap, t - last);
                    }
                    last = Math.max(last, t);
                    if (i > releasedLine && p[3].equals("O")) {
                        oldAfter++;
                    }
                } else {
                    failed++;
                }
            }
            String streams = String.join(", ", out.stream()
                    .filter(l -> (l.startsWith("STREAM ") || l.startsWith("IDLE ")) && !l.contains(" UP ")).toList());
            return new Figures(attempts, failed, gap, oldAfter, streams);
        }

        @Override
        public String toString() {
            return attempts + " attempts, " + failed + " failed, longest gap between successful connections "
                    + maxGapMs + " ms; streams (blocks of 1 KiB) and idle connections: " + streams;
        }
    }

    @Test
    void addTwiceThenDelTwiceLeavesTheHostAsItWas() throws IOException {
        String oldBefore = HandoverHosts.footprint(OLD);
        String nextBefore = HandoverHosts.footprint(NEXT);
        script(OLD, Map.of(), "vip-up", "eth0", CIDR);
        for (int i = 0; i < 2; i++) {
            script(NEXT, vi1(), "vip-handover-forward", "add", "eth0", CIDR, OLD_IP, PORT);
            script(OLD, vi1(), "vip-handover-release", "add", "eth0", CIDR, NEXT_IP, PORT);
        }
        String rules = TwoHosts.run(List.of("ip", "-n", NEXT, "rule", "show")).output();
        assertThat(rules.lines().toList()).as("the jpen rule once, before 'local', both at preference 0").containsExactly(
                "0:\tfrom all fwmark 0x6a013264 lookup 1778463332", "0:\tfrom all lookup local",
                "32766:\tfrom all lookup main", "32767:\tfrom all lookup default");
        assertThat(in(NEXT, "nft", "list", "tables").output().lines()).containsExactly("table ip jpen_handover_VI_1");
        assertThat(in(NEXT, "nft", "list", "table", "ip", "jpen_handover_VI_1").output())
                .contains("comment \"eth0/forwarding=0\"").contains("tcp dport 8080").contains("tcp flags ! syn");
        List<String> saved = in(OLD, "nft", "list", "chain", "ip", "jpen_release_VI_1", "saved").output().lines()
                .map(String::strip).filter(l -> l.startsWith("counter ")).map(l -> l.replaceAll(".* comment ", ""))
                .toList();
        assertThat(saved).as("what the old holder changed, with the values to set back")
                .containsExactly("\"eth0/arp_ignore=0\"", "\"eth0/arp_announce=0\"", "\"eth0/forwarding=0\"");
        assertThat(HandoverHosts.sysctl(NEXT, "net/ipv4/conf/eth0/forwarding")).isEqualTo("1");
        assertThat(HandoverHosts.sysctl(NEXT, "net/ipv4/ip_forward")).as("only the interface forwards").isEqualTo("0");
        assertThat(HandoverHosts.sysctl(OLD, "net/ipv4/conf/eth0/arp_ignore")).isEqualTo("1");
        assertThat(HandoverHosts.sysctl(OLD, "net/ipv4/conf/eth0/arp_announce")).isEqualTo("2");
        for (int i = 0; i < 2; i++) {
            script(NEXT, vi1(), "vip-handover-forward", "del", "eth0", CIDR);
            script(OLD, vi1(), "vip-handover-release", "del", "eth0", CIDR);
        }
        assertThat(HandoverHosts.footprint(NEXT)).isEqualTo(nextBefore);
        assertThat(HandoverHosts.footprint(OLD)).isEqualTo(oldBefore);
    }

    @Test
    void aSysctlTwoHandoversNeedIsSetBackByTheLastOneToGo() throws IOException {
        script(NEXT, vi1(), "vip-handover-forward", "add", "eth0", CIDR, OLD_IP);
        script(NEXT, env("JPEN_VIP_NAME", "VI_2"), "vip-handover-forward", "add", "eth0", "10.77.50.101/24", OLD_IP);
        assertThat(in(NEXT, "nft", "list", "tables").output().lines())
                .containsExactlyInAnyOrder("table ip jpen_handover_VI_1", "table ip jpen_handover_VI_2");
        assertThat(in(NEXT, "nft", "list", "table", "ip", "jpen_handover_VI_2").output())
                .as("the value from before the first handover").contains("comment \"eth0/forwarding=0\"");
        assertThat(TwoHosts.run(List.of("ip", "-n", NEXT, "rule", "show", "pref", "0")).output().lines().toList())
                .as("both jpen rules before 'local'").last().isEqualTo("0:\tfrom all lookup local");

        script(NEXT, vi1(), "vip-handover-forward", "del", "eth0", CIDR);
        assertThat(HandoverHosts.sysctl(NEXT, "net/ipv4/conf/eth0/forwarding")).as("VI_2 still forwards").isEqualTo("1");
        script(NEXT, env("JPEN_VIP_NAME", "VI_2"), "vip-handover-forward", "del", "eth0", "10.77.50.101/24");
        assertThat(HandoverHosts.sysctl(NEXT, "net/ipv4/conf/eth0/forwarding")).isEqualTo("0");
        assertThat(in(NEXT, "nft", "list", "tables").output()).isBlank();
    }

    @Test
    void aHostSettingThatIsAlreadyEnoughIsLeftAloneAndNotRecorded() throws IOException {
        HandoverHosts.setSysctl(OLD, "net/ipv4/conf/all/arp_ignore", "1");
        HandoverHosts.setSysctl(OLD, "net/ipv4/conf/all/arp_announce", "2");
        try {
            script(OLD, vi1(), "vip-handover-release", "add", "eth0", CIDR);
            assertThat(in(OLD, "nft", "list", "table", "ip", "jpen_release_VI_1").output())
                    .doesNotContain("comment \"eth0/").doesNotContain("chain prerouting");
            assertThat(HandoverHosts.sysctl(OLD, "net/ipv4/conf/eth0/arp_ignore")).isEqualTo("0");
            assertThat(HandoverHosts.in(OLD, "ip", "-o", "-4", "addr", "show", "dev", "lo").output())
                    .contains(VIP + "/32").contains("forever");
        } finally {
            HandoverHosts.setSysctl(OLD, "net/ipv4/conf/all/arp_ignore", "0");
            HandoverHosts.setSysctl(OLD, "net/ipv4/conf/all/arp_announce", "0");
        }
    }

    @Test
    void aPeerThatIsNotANeighbourIsRefused() throws IOException {
        var r = TwoHosts.script(NEXT, vi1(), "vip-handover-forward", "add", "eth0", CIDR, "192.0.2.1");
        assertThat(r.status()).isEqualTo(1);
        assertThat(r.output()).contains("192.0.2.1 is not a neighbour of this host");
        var self = TwoHosts.script(NEXT, vi1(), "vip-handover-forward", "add", "eth0", CIDR, NEXT_IP);
        assertThat(self.status()).as("its own address").isEqualTo(1);
        assertThat(in(NEXT, "nft", "list", "tables").output()).isBlank();
        var usage = TwoHosts.script(NEXT, vi1(), "vip-handover-forward", "add", "eth0", CIDR);
        assertThat(usage.status()).isEqualTo(1);
        assertThat(usage.output()).contains("usage: vip-handover-forward add IF ADDR/PREFIX PEER [PORT]");
    }
}
