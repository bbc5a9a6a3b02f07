package io.jpen.cluster.leader;

import io.jpen.cluster.leader.config.LeaderOptions;
import io.jpen.cluster.leader.config.VipSpec;
import io.jpen.cluster.leader.script.ScriptResult;
import io.jpen.cluster.leader.script.ScriptRunner;
import io.jpen.cluster.leader.script.VipScripts;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** What the node learns from the real {@code vip-preflight} and hands to the VIP scripts. */
class LeadershipExtensionTest {
    private static final String SCRIPTS = Path.of("..", "vip-scripts").toAbsolutePath().normalize().toString();

    @Test
    void theArpingThatVipPreflightFoundIsGivenToVipUpAndVipGarp() {
        LeaderOptions o = LeaderOptions.parse(Map.of("vip_address", "10.78.0.100/24@eth0", "vip_scripts_dir", SCRIPTS,
                "cluster_bind", "127.0.0.1"));
        ScriptResult r = ScriptRunner.runNow(new VipScripts(o.scripts(), "t").preflight());
        assumeTrue(r.ok(), "vip-preflight needs an arping and CAP_NET_ADMIN + CAP_NET_RAW (CI runs as root): "
                + r.output());

        String found = LeadershipExtension.arping(r.output());

        assertThat(found).as(r.output()).matches("(habets|iputils) /\\S+");
        VipSpec vip = o.vips().get(0);
        VipScripts told = new VipScripts(o.scripts().withArping(found), "t");
        assertThat(told.up(vip, "1.1", null).env()).containsEntry("JPEN_ARPING_FLAVOUR", found);
        assertThat(told.garp(vip, "1.1", null).env()).containsEntry("JPEN_ARPING_FLAVOUR", found);
        assertThat(new VipScripts(o.scripts(), "t").up(vip, "1.1", null).env())
                .as("nothing found: the scripts look it up themselves").doesNotContainKey("JPEN_ARPING_FLAVOUR");
    }

    @Test
    void aPreflightLineNamesHabetsOrIputilsOrNothing() {
        assertThat(LeadershipExtension.arping("ip /usr/sbin/ip, arping habets /usr/sbin/arping, nft missing (x)"))
                .isEqualTo("habets /usr/sbin/arping");
        assertThat(LeadershipExtension.arping("no arping found")).isEmpty();
    }
}
