package io.jpen.vipscripts;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.jpen.vipscripts.TwoHosts.HOLDER;
import static io.jpen.vipscripts.TwoHosts.PEER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The scripts against a real kernel: two network namespaces on one veth segment, a packet capture on the neighbour.
 * Needs root; skipped, saying why, elsewhere (CI runs it as root).
 */
class VipScriptsTest {
    private static final String VIP = "10.78.50.100";
    private static final Map<String, String> FAST = Map.of("JPEN_GARP_REPEAT", "3", "JPEN_GARP_INTERVAL", "0.02",
            "JPEN_EPOCH", "7.1");
    private static TwoHosts net;

    @BeforeAll
    static void network() throws IOException {
        String why = TwoHosts.unavailable();
        if (why != null && System.getenv("JPEN_NETNS_REQUIRED") != null) {
            throw new IllegalStateException("JPEN_NETNS_REQUIRED is set but the namespace tests cannot run: " + why);
        }
        if (why != null) {
            System.err.println("VipScriptsTest SKIPPED: " + why);
        }
        Assumptions.assumeTrue(why == null, why);
        net = new TwoHosts();
    }

    @AfterAll
    static void removeNetwork() {
        if (net != null) {
            net.close();
        }
    }

    @BeforeEach
    void noVip() throws IOException {
        TwoHosts.script(HOLDER, Map.of(), "vip-down", "eth0", VIP + "/24");
    }

    private List<String> vipLines() throws IOException {
        return net.addresses(HOLDER).stream().filter(l -> l.contains(" " + VIP + "/")).toList();
    }

    @Test
    void vipUpAddsTheAddressWithItsLifetimeAndNeighboursFollowTheGratuitousArp() throws IOException {
        // the neighbour has an old, wrong entry for the VIP (another holder's MAC)
        TwoHosts.run(List.of("ip", "-n", PEER, "neigh", "replace", VIP, "lladdr", "02:00:00:00:00:99", "dev", "eth0",
                "nud", "stale"));
        try (TwoHosts.Capture arp = net.captureArp()) {
            var r = TwoHosts.script(HOLDER, env(FAST, "JPEN_VIP_LIFETIME", "5"), "vip-up", "eth0", VIP + "/24");

            assertThat(r.status()).as(r.output()).isZero();
            assertThat(vipLines()).singleElement().asString().contains(VIP + "/24").contains("dynamic")
                    .containsPattern("valid_lft [45]sec");
            await().atMost(Duration.ofSeconds(5)).until(() -> arp.garps(VIP) >= 3);
            assertThat(net.neighbour(PEER, VIP)).isEqualTo(net.mac(HOLDER));
        }
    }

    @Test
    void vipUpTwiceLeavesOneAddressAndSucceeds() throws IOException {
        assertThat(TwoHosts.script(HOLDER, FAST, "vip-up", "eth0", VIP + "/24").status()).isZero();
        var again = TwoHosts.script(HOLDER, FAST, "vip-up", "eth0", VIP + "/24");
        assertThat(again.status()).as(again.output()).isZero();
        assertThat(vipLines()).hasSize(1).allMatch(l -> l.contains("forever"));
    }

    @Test
    void vipDownRemovesTheAddressSilentlyAndTwiceIsFine() throws IOException {
        TwoHosts.script(HOLDER, FAST, "vip-up", "eth0", VIP + "/24");
        try (TwoHosts.Capture arp = net.captureArp()) {
            var r = TwoHosts.script(HOLDER, Map.of(), "vip-down", "eth0", VIP + "/24");
            assertThat(r.status()).as(r.output()).isZero();
            assertThat(vipLines()).isEmpty();
            var again = TwoHosts.script(HOLDER, Map.of(), "vip-down", "eth0", VIP + "/24");
            assertThat(again.status()).as(again.output()).isZero();
            assertThat(again.output()).contains("is not on eth0");
            assertThat(arp.garps(VIP)).isZero();
        }
        assertThat(net.addresses(HOLDER)).anyMatch(l -> l.contains("10.78.50.1/24")); // the host's own address stays
    }

    @Test
    void vipDownRemovesTheAddressWhateverItsPrefix() throws IOException {
        TwoHosts.script(HOLDER, FAST, "vip-up", "eth0", VIP + "/32");
        assertThat(TwoHosts.script(HOLDER, Map.of(), "vip-down", "eth0", VIP + "/24").status()).isZero();
        assertThat(vipLines()).isEmpty();
    }

    @Test
    void vipGarpAnnouncesOnlyAnAddressThatIsThere() throws IOException {
        try (TwoHosts.Capture arp = net.captureArp()) {
            var absent = TwoHosts.script(HOLDER, FAST, "vip-garp", "eth0", VIP);
            assertThat(absent.status()).isZero();
            assertThat(absent.output()).contains("no gratuitous ARP");
            TwoHosts.script(HOLDER, Map.of("JPEN_GARP_REPEAT", "1"), "vip-up", "eth0", VIP + "/24");
            await().atMost(Duration.ofSeconds(5)).until(() -> arp.garps(VIP) >= 1);
            long before = arp.garps(VIP);
            assertThat(TwoHosts.script(HOLDER, FAST, "vip-garp", "eth0", VIP).status()).isZero();
            await().atMost(Duration.ofSeconds(5)).until(() -> arp.garps(VIP) >= before + 3);
        }
    }

    @Test
    void vipRenewExtendsTheLifetimeButNeverRecreatesTheAddress() throws IOException {
        TwoHosts.script(HOLDER, env(FAST, "JPEN_VIP_LIFETIME", "2"), "vip-up", "eth0", VIP + "/24");
        var r = TwoHosts.script(HOLDER, Map.of(), "vip-renew", "eth0", VIP + "/24", "30");
        assertThat(r.status()).as(r.output()).isZero();
        assertThat(vipLines()).singleElement().asString().containsPattern("valid_lft (29|30)sec");
        TwoHosts.script(HOLDER, Map.of(), "vip-down", "eth0", VIP + "/24");
        var gone = TwoHosts.script(HOLDER, Map.of(), "vip-renew", "eth0", VIP + "/24", "30");
        assertThat(gone.status()).isEqualTo(2);
        assertThat(vipLines()).isEmpty();
    }

    @Test
    void anAddressThatIsNotRenewedExpiresByItself() throws IOException {
        TwoHosts.script(HOLDER, env(FAST, "JPEN_VIP_LIFETIME", "1"), "vip-up", "eth0", VIP + "/24");
        assertThat(vipLines()).hasSize(1);
        long t0 = System.nanoTime();
        await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(20)).until(() -> vipLines().isEmpty());
        System.out.println("FIGURE unrenewed VIP with vip_lifetime 1s gone after "
                + (System.nanoTime() - t0) / 1_000_000 + " ms");
    }

    @Test
    void vipUpFailsLoudlyForAMissingInterface() throws IOException {
        var r = TwoHosts.script(HOLDER, FAST, "vip-up", "eth9", VIP + "/24");
        assertThat(r.status()).isEqualTo(1);
        assertThat(r.output()).contains("interface eth9 does not exist");
        var down = TwoHosts.script(HOLDER, Map.of(), "vip-down", "eth9", VIP + "/24");
        assertThat(down.status()).as("nothing can be on a missing interface").isZero();
    }

    @Test
    void preflightNamesTheArpingFlavourAndRefusesWithoutOne() throws IOException {
        var ok = TwoHosts.script(HOLDER, Map.of(), "vip-preflight");
        assertThat(ok.status()).as(ok.output()).isZero();
        assertThat(ok.output()).containsPattern("arping (habets|iputils) /");
        var none = TwoHosts.script(HOLDER, Map.of("JPEN_ARPING", "/nonexistent/arping"), "vip-preflight");
        assertThat(none.status()).isEqualTo(1);
        assertThat(none.output()).contains("no arping found: install 'arping' (Habets) or 'iputils-arping'");
        var up = TwoHosts.script(HOLDER, env(FAST, "JPEN_ARPING", "/nonexistent/arping"), "vip-up", "eth0", VIP + "/24");
        assertThat(up.status()).as("vip-up without arping fails after adding the address").isEqualTo(3);
    }

    @Test
    void vipUpUsesTheArpingThatPreflightFoundAndLooksItUpWhenThatOneIsGone() throws IOException {
        var pre = TwoHosts.script(HOLDER, Map.of(), "vip-preflight");
        java.util.regex.Matcher found = java.util.regex.Pattern.compile("arping ((habets|iputils) /[^,\\s]+)")
                .matcher(pre.output());
        assertThat(found.find()).as(pre.output()).isTrue();
        try (TwoHosts.Capture arp = net.captureArp()) {
            var r = TwoHosts.script(HOLDER, env(FAST, "JPEN_ARPING_FLAVOUR", found.group(1)), "vip-up", "eth0",
                    VIP + "/24");
            assertThat(r.status()).as(r.output()).isZero();
            assertThat(r.output()).contains("(" + found.group(2) + ")");
            await().atMost(Duration.ofSeconds(5)).until(() -> arp.garps(VIP) >= 3);
        }
        var stale = TwoHosts.script(HOLDER, env(FAST, "JPEN_ARPING_FLAVOUR", found.group(2) + " /nonexistent/arping"),
                "vip-up", "eth0", VIP + "/24");
        assertThat(stale.status()).as("a binary gone since the start is looked up again: " + stale.output()).isZero();
    }

    @Test
    void iputilsArpingWorksTooWhenGiven() throws IOException {
        String iputils = System.getenv("JPEN_TEST_IPUTILS_ARPING");
        Assumptions.assumeTrue(iputils != null, "set JPEN_TEST_IPUTILS_ARPING to an iputils arping binary to run this");
        try (TwoHosts.Capture arp = net.captureArp()) {
            var r = TwoHosts.script(HOLDER, env(FAST, "JPEN_ARPING", iputils), "vip-up", "eth0", VIP + "/24");
            assertThat(r.status()).as(r.output()).isZero();
            assertThat(r.output()).contains("(iputils)");
            await().atMost(Duration.ofSeconds(5)).until(() -> arp.garps(VIP) >= 3);
        }
    }

    private static Map<String, String> env(Map<String, String> base, String k, String v) {
        java.util.HashMap<String, String> m = new java.util.HashMap<>(base);
        m.put(k, v);
        return m;
    }
}
