package io.jpen.cluster.leader.config;

import io.jpen.cluster.state.ClusterOptions;
import io.jpen.node.config.ConfigException;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Everything the leadership module was configured with, parsed and checked once at start. Immutable.
 *
 * @param vips    the VIPs this node may hold (empty for a witness)
 * @param quorum  members a view must have for anyone in it to hold a VIP; 0 = no quorum (keepalived's behaviour)
 * @param handoverDrain   how long a node drains after a handover when nothing else says (vip_handover_drain)
 * @param handoverForward carry established connections over a planned handover (vip_handover_forward)
 * @param rebalanceDelay  how long the cluster must be stable before a VIP moves to even out the load, 0 for never
 */
public record LeaderOptions(List<VipSpec> vips, boolean witness, boolean preempt, Duration preemptDelay, int quorum,
                            Duration fenceTimeout, Duration freezeHolddown, Duration faultHolddown,
                            Duration handoverTimeout, Duration handoverDrain, boolean handoverForward,
                            Duration rebalanceDelay, ScriptOptions scripts, TrackOptions track, GroupOptions group) {

    private static final Duration MS = Duration.ofMillis(1);
    private static final Duration HOUR = Duration.ofHours(1);

    public LeaderOptions {
        vips = List.copyOf(vips);
    }

    /** True when the options ask for this module: a VIP is configured or witness mode is on. */
    public static boolean enabled(Map<String, String> options) {
        String v = options.get(LeaderKey.VIP_ADDRESS.key());
        String w = options.get(LeaderKey.VIP_WITNESS.key());
        return (v != null && !v.isBlank()) || (w != null && new OptionReader(options).flag(LeaderKey.VIP_WITNESS));
    }

    /**
     * Parses and checks every key.
     *
     * @throws ConfigException naming the offending key and value
     */
    public static LeaderOptions parse(Map<String, String> raw) {
        OptionReader o = new OptionReader(raw);
        boolean witness = o.flag(LeaderKey.VIP_WITNESS);
        List<VipSpec> vips = VipSpec.parseAll(o.text(LeaderKey.VIP_ADDRESS), o.text(LeaderKey.VIP_INTERFACE),
                o.text(LeaderKey.VIP_PRIORITY));
        if (witness && !vips.isEmpty()) {
            throw OptionReader.bad(LeaderKey.VIP_WITNESS, "true", "a witness holds no VIP (expected: no vip_address)");
        }
        GroupOptions group = group(o, raw);
        int quorum = quorum(o, group.members().size());
        Duration fence = o.duration(LeaderKey.VIP_FENCE_TIMEOUT, Duration.ofMillis(20), Duration.ofSeconds(60));
        if (quorum > 0 && fence.compareTo(group.fdTimeout().plus(group.verifyTimeout())) >= 0) {
            throw OptionReader.bad(LeaderKey.VIP_FENCE_TIMEOUT, OptionReader.show(fence),
                    "must be shorter than jgroups_fd_timeout + jgroups_verify_timeout ("
                            + OptionReader.show(group.fdTimeout().plus(group.verifyTimeout()))
                            + "), or a cut-off holder could still hold its VIP when the others take over");
        }
        return new LeaderOptions(vips, witness,
                o.flag(LeaderKey.VIP_PREEMPT),
                o.duration(LeaderKey.VIP_PREEMPT_DELAY, Duration.ZERO, HOUR),
                quorum,
                fence,
                o.duration(LeaderKey.VIP_FREEZE_HOLDDOWN, Duration.ZERO, HOUR),
                o.duration(LeaderKey.VIP_FAULT_HOLDDOWN, Duration.ZERO, HOUR),
                o.duration(LeaderKey.VIP_HANDOVER_TIMEOUT, Duration.ofMillis(100), HOUR),
                o.duration(LeaderKey.VIP_HANDOVER_DRAIN, Duration.ZERO, HOUR),
                o.flag(LeaderKey.VIP_HANDOVER_FORWARD),
                o.duration(LeaderKey.VIP_REBALANCE_DELAY, Duration.ZERO, HOUR),
                scripts(o, witness),
                track(o),
                group);
    }

    private static int quorum(OptionReader o, int configured) {
        String q = o.text(LeaderKey.VIP_QUORUM).toLowerCase(java.util.Locale.ROOT);
        return switch (q) {
            case "off", "none", "0" -> 0;
            case "majority" -> configured / 2 + 1;
            default -> OptionReader.integer(LeaderKey.VIP_QUORUM, q, 1, 64);
        };
    }

    private static ScriptOptions scripts(OptionReader o, boolean witness) {
        Path dir;
        if (o.given(LeaderKey.VIP_SCRIPTS_DIR)) {
            dir = Path.of(o.text(LeaderKey.VIP_SCRIPTS_DIR));
        } else {
            dir = ScriptsDirectory.locate().orElse(null);
        }
        if (!witness && (dir == null || !Files.isRegularFile(dir.resolve("vip-up")))) {
            throw OptionReader.bad(LeaderKey.VIP_SCRIPTS_DIR, dir == null ? "(not found)" : dir.toString(),
                    "no vip-up script there (expected: the vip-scripts directory of the distribution)");
        }
        Duration interval = o.duration(LeaderKey.VIP_GARP_INTERVAL, Duration.ZERO, Duration.ofSeconds(10));
        return new ScriptOptions(dir,
                o.text(LeaderKey.VIP_NOTIFY), o.text(LeaderKey.VIP_NOTIFY_MASTER), o.text(LeaderKey.VIP_NOTIFY_BACKUP),
                o.text(LeaderKey.VIP_NOTIFY_FAULT), o.text(LeaderKey.VIP_NOTIFY_STOP),
                o.duration(LeaderKey.VIP_SCRIPT_TIMEOUT, Duration.ofMillis(100), Duration.ofMinutes(10)),
                o.integer(LeaderKey.VIP_GARP_REPEAT, 1, 100),
                interval,
                o.duration(LeaderKey.VIP_GARP_DELAY, Duration.ZERO, HOUR),
                o.duration(LeaderKey.VIP_GARP_REFRESH, Duration.ZERO, Duration.ofDays(1)),
                lifetime(o), "");
    }

    private static Duration lifetime(OptionReader o) {
        Duration d = o.duration(LeaderKey.VIP_LIFETIME, Duration.ZERO, Duration.ofDays(1));
        if (d.toMillis() % 1000 != 0) {
            throw OptionReader.bad(LeaderKey.VIP_LIFETIME, OptionReader.show(d),
                    "the kernel counts address lifetimes in whole seconds (expected: 0, 1s, 2s, ...)");
        }
        return d;
    }

    private static TrackOptions track(OptionReader o) {
        return new TrackOptions(
                o.flag(LeaderKey.VIP_TRACK_INTERFACE),
                o.flag(LeaderKey.VIP_TRACK_LISTENER),
                o.text(LeaderKey.VIP_CHECK_SCRIPT),
                o.duration(LeaderKey.VIP_CHECK_INTERVAL, Duration.ofMillis(100), HOUR),
                o.duration(LeaderKey.VIP_CHECK_TIMEOUT, Duration.ofMillis(50), HOUR),
                o.integer(LeaderKey.VIP_CHECK_RISE, 1, 100),
                o.integer(LeaderKey.VIP_CHECK_FALL, 1, 100));
    }

    private static GroupOptions group(OptionReader o, Map<String, String> raw) {
        String name = o.text(LeaderKey.CLUSTER_NAME);
        if (name.isEmpty() || name.chars().anyMatch(Character::isWhitespace)) {
            throw OptionReader.bad(LeaderKey.CLUSTER_NAME, name, "bad cluster name (expected: a word, e.g. jpen)");
        }
        List<InetAddress> members = new ArrayList<>();
        for (String m : o.text(LeaderKey.CLUSTER_MEMBERS).split(",")) {
            String h = m.trim();
            if (h.startsWith("[") && h.endsWith("]")) {
                h = h.substring(1, h.length() - 1);
            }
            if (!h.isEmpty()) {
                InetAddress a = resolve(LeaderKey.CLUSTER_MEMBERS, h);
                if (!members.contains(a)) {
                    members.add(a);
                }
            }
        }
        InetAddress bind;
        if (o.given(LeaderKey.CLUSTER_BIND)) {
            bind = resolve(LeaderKey.CLUSTER_BIND, o.text(LeaderKey.CLUSTER_BIND));
        } else if (!members.isEmpty()) {
            bind = ClusterOptions.bindAddress(raw); // the one rule every cluster module applies
        } else {
            bind = InetAddress.getLoopbackAddress(); // a lone node: a cluster of one
        }
        if (!members.contains(bind)) {
            members.add(0, bind);
        }
        String transport = o.text(LeaderKey.JGROUPS_TRANSPORT).toLowerCase(java.util.Locale.ROOT);
        if (!transport.equals("tcp") && !transport.equals("udp")) {
            throw OptionReader.bad(LeaderKey.JGROUPS_TRANSPORT, transport, "unknown transport (expected: tcp or udp)");
        }
        InetAddress mcast = resolve(LeaderKey.JGROUPS_MCAST_ADDR, o.text(LeaderKey.JGROUPS_MCAST_ADDR));
        if (!mcast.isMulticastAddress()) {
            throw OptionReader.bad(LeaderKey.JGROUPS_MCAST_ADDR, o.text(LeaderKey.JGROUPS_MCAST_ADDR),
                    "not a multicast address (expected: e.g. 239.7.8.1)");
        }
        Duration fdTimeout = o.duration(LeaderKey.JGROUPS_FD_TIMEOUT, Duration.ofMillis(20), Duration.ofMinutes(5));
        Duration fdInterval = o.duration(LeaderKey.JGROUPS_FD_INTERVAL, Duration.ofMillis(5), Duration.ofMinutes(1));
        if (fdInterval.multipliedBy(2).compareTo(fdTimeout) > 0) {
            throw OptionReader.bad(LeaderKey.JGROUPS_FD_INTERVAL, OptionReader.show(fdInterval),
                    "must be at most half of jgroups_fd_timeout (" + OptionReader.show(fdTimeout) + ")");
        }
        Duration mergeMin = o.duration(LeaderKey.JGROUPS_MERGE_MIN, Duration.ofMillis(10), Duration.ofMinutes(10));
        Duration mergeMax = o.duration(LeaderKey.JGROUPS_MERGE_MAX, Duration.ofMillis(20), Duration.ofMinutes(10));
        if (mergeMax.compareTo(mergeMin) <= 0) {
            throw OptionReader.bad(LeaderKey.JGROUPS_MERGE_MAX, OptionReader.show(mergeMax),
                    "must be longer than jgroups_merge_min (" + OptionReader.show(mergeMin) + ")");
        }
        return new GroupOptions(name, bind,
                o.integer(LeaderKey.JGROUPS_PORT, 1, 65535 - 103),
                members,
                transport.equals("udp"),
                mcast,
                o.integer(LeaderKey.JGROUPS_MCAST_PORT, 1, 65535),
                o.integer(LeaderKey.JGROUPS_MCAST_TTL, 0, 255),
                fdTimeout, fdInterval,
                o.duration(LeaderKey.JGROUPS_VERIFY_TIMEOUT, Duration.ofMillis(10), Duration.ofMinutes(1)),
                mergeMin, mergeMax,
                o.duration(LeaderKey.JGROUPS_JOIN_TIMEOUT, Duration.ofMillis(50), Duration.ofMinutes(1)),
                o.duration(LeaderKey.JGROUPS_CONNECT_TIMEOUT, Duration.ofMillis(50), Duration.ofMinutes(1)));
    }

    private static InetAddress resolve(LeaderKey k, String host) {
        try {
            return InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw OptionReader.bad(k, host, "unknown host (expected: a host name or address)");
        }
    }

    /** The same options with other scripts (tests use recording fakes). */
    public LeaderOptions withScripts(ScriptOptions s) {
        return new LeaderOptions(vips, witness, preempt, preemptDelay, quorum, fenceTimeout, freezeHolddown,
                faultHolddown, handoverTimeout, handoverDrain, handoverForward, rebalanceDelay, s, track, group);
    }

    /** The same options with another JGroups group (tests). */
    public LeaderOptions withGroup(GroupOptions g) {
        return new LeaderOptions(vips, witness, preempt, preemptDelay, quorum, fenceTimeout, freezeHolddown,
                faultHolddown, handoverTimeout, handoverDrain, handoverForward, rebalanceDelay, scripts, track, g);
    }

    /** A short description for the start-up log line. */
    public String describe() {
        String q = quorum == 0 ? "quorum off (like keepalived: a cut-off node may hold a VIP too)"
                : "quorum " + quorum + " of " + group.members().size();
        return (witness ? "witness" : "VIPs " + vips) + ", " + (preempt ? "preempt after " + OptionReader.show(preemptDelay) : "nopreempt")
                + ", " + q;
    }
}
