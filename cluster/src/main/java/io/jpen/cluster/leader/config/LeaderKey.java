package io.jpen.cluster.leader.config;

import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Every option of the leadership module: its key, its default and what it means. This enum is the one home of these
 * settings; {@code deploy/} shows each in an example and {@code docs/leadership.md} explains the mechanisms.
 *
 * <p>Given as {@code --vip-x-y=V} / {@code --jgroups-x-y=V} long options or as {@code vip_x_y V} lines of the
 * {@code -F} file. Durations take a unit ({@code 150ms}, {@code 2s}, {@code 1.5s}); a bare number is seconds for
 * {@code vip_*} keys (keepalived's habit) and milliseconds for {@code jgroups_*} keys (JGroups' habit).
 */
public enum LeaderKey {
    // ------------------------------------------------------------------ what this node may hold
    VIP_ADDRESS("vip_address", "",
            "the floating addresses this node may hold, comma-separated, each [NAME=]ADDRESS[/PREFIX][@INTERFACE] "
                    + "(prefix 32 and vip_interface when left out; NAME, keepalived's instance name, defaults to the "
                    + "address). Every node lists the same VIPs. Giving it enables leadership"),
    VIP_INTERFACE("vip_interface", "", "interface for the VIPs that name none, e.g. eth0"),
    VIP_PRIORITY("vip_priority", "100",
            "this node's priority 1-254, one value for all VIPs or a comma list in vip_address order; the highest "
                    + "eligible priority wins a free VIP, ties go to the least loaded and then the oldest member"),
    VIP_PREEMPT("vip_preempt", "false",
            "true: this node takes a VIP from a lower-priority holder (keepalived's preempt). Default false "
                    + "(nopreempt): a returning node leaves the VIP where it is, so clients see one move, not two"),
    VIP_PREEMPT_DELAY("vip_preempt_delay", "0s", "how long this node must have been eligible before it preempts"),
    VIP_QUORUM("vip_quorum", "off",
            "off (keepalived's behaviour: a node cut off from the others keeps or takes VIPs, both halves may hold "
                    + "one), majority (more than half of cluster_members), or a member count N. With a quorum a "
                    + "node holds a VIP only while its view has that many members and it hears from them"),
    VIP_REBALANCE_DELAY("vip_rebalance_delay", "3s",
            "several VIPs: when one node holds at least two more than another ready node that may hold one of them "
                    + "at no lower vip_priority, one VIP moves to it (a planned move: the new holder adds it before "
                    + "the old one lets go, established connections are kept as in a handover), one at a time, once "
                    + "the view and every node's state have stayed the same this long. 0: never (the first node up "
                    + "keeps every VIP it took). A pair with one VIP never moves it"),
    VIP_WITNESS("vip_witness", "false",
            "true: this process only votes (quorum of a pair): it holds no VIP and needs no vip_address. "
                    + "'jpen witness ...' starts one without a listener"),

    // ------------------------------------------------------------------ scripts (keepalived's contract)
    VIP_SCRIPTS_DIR("vip_scripts_dir", "",
            "directory holding vip-up, vip-down, vip-garp, vip-renew, vip-preflight, vip-handover-forward and "
                    + "vip-handover-release. Default: $JPEN_VIP_SCRIPTS, "
                    + "else the vip-scripts directory next to (or above) the jar directory"),
    VIP_NOTIFY("vip_notify", "",
            "keepalived's notify: a command run after every state change with INSTANCE NAME "
                    + "MASTER|BACKUP|FAULT|STOP PRIORITY appended, after the per-state hook"),
    VIP_NOTIFY_MASTER("vip_notify_master", "", "command run when a VIP becomes MASTER here (after vip-up)"),
    VIP_NOTIFY_BACKUP("vip_notify_backup", "", "command run when a VIP becomes BACKUP here (after vip-down)"),
    VIP_NOTIFY_FAULT("vip_notify_fault", "", "command run when a VIP becomes FAULT here (after vip-down)"),
    VIP_NOTIFY_STOP("vip_notify_stop", "", "command run when leadership stops at shutdown (after vip-down)"),
    VIP_SCRIPT_TIMEOUT("vip_script_timeout", "5s",
            "every script and notify command is killed after this; a vip-up that fails or times out puts the VIP "
                    + "in FAULT here and hands it on"),

    // ------------------------------------------------------------------ the address and gratuitous ARP
    VIP_GARP_REPEAT("vip_garp_repeat", "5", "gratuitous ARPs per burst (keepalived's garp_master_repeat)"),
    VIP_GARP_INTERVAL("vip_garp_interval", "20ms", "pause between the gratuitous ARPs of one burst"),
    VIP_GARP_DELAY("vip_garp_delay", "5s",
            "a second burst this long after becoming MASTER, 0 for none (keepalived's garp_master_delay)"),
    VIP_GARP_REFRESH("vip_garp_refresh", "0s",
            "a burst every so often while MASTER, 0 for none (keepalived's garp_master_refresh; ~100s suits switches "
                    + "that age MAC entries at 300s)"),
    VIP_LIFETIME("vip_lifetime", "1s",
            "the VIP is added with valid_lft/preferred_lft of this length and renewed five times per lifetime by "
                    + "the live holder, so a crashed or frozen holder's address expires by itself; 0 = forever"),

    // ------------------------------------------------------------------ fencing
    VIP_FENCE_TIMEOUT("vip_fence_timeout", "150ms",
            "with a quorum: a holder that has heard from too few members for this long drops its VIPs; the others "
                    + "take over a silent (not crashed) holder's VIP only once this has surely happened. Must be "
                    + "shorter than jgroups_fd_timeout + jgroups_verify_timeout"),
    VIP_FREEZE_HOLDDOWN("vip_freeze_holddown", "5s",
            "a node whose own threads stood still longer than the others need to exclude it (SIGSTOP, a stalled "
                    + "machine) asks its peers whether it is still in their view; if one says no it drops its VIPs at "
                    + "once, without ARP, and takes none until it has merged back or this much time has passed"),

    // ------------------------------------------------------------------ tracking
    VIP_TRACK_INTERFACE("vip_track_interface", "true", "FAULT while a VIP's interface is down (track_interface)"),
    VIP_TRACK_LISTENER("vip_track_listener", "true", "FAULT while this node's listener is not accepting"),
    VIP_CHECK_SCRIPT("vip_check_script", "",
            "a health command (track_script) run every vip_check_interval on its own thread; exit status 0 is "
                    + "healthy"),
    VIP_CHECK_INTERVAL("vip_check_interval", "1s", "time between two runs of vip_check_script"),
    VIP_CHECK_TIMEOUT("vip_check_timeout", "2s", "a vip_check_script run taking longer counts as a failure"),
    VIP_CHECK_RISE("vip_check_rise", "2", "consecutive successes that make a failed node healthy again"),
    VIP_CHECK_FALL("vip_check_fall", "2", "consecutive failures that put a healthy node in FAULT"),
    VIP_FAULT_HOLDDOWN("vip_fault_holddown", "5s",
            "after its vip-up failed, a VIP stays FAULT on this node this long before it may be chosen again"),

    // ------------------------------------------------------------------ planned maintenance
    VIP_HANDOVER_TIMEOUT("vip_handover_timeout", "5s",
            "'handover' and SIGTERM wait at most this long for another node to take this node's VIPs before "
                    + "draining anyway"),
    VIP_HANDOVER_DRAIN("vip_handover_drain", "30s",
            "after 'handover' without SECONDS, and after SIGTERM when --drain-timeout is not given, the node keeps "
                    + "serving its open connections for up to this long before it exits (0: exit at once). "
                    + "--drain-timeout, when given, and 'handover SECONDS' take precedence"),
    VIP_HANDOVER_FORWARD("vip_handover_forward", "true",
            "true: a planned handover keeps the old holder's established connections through the VIP: the "
                    + "successor passes packets of connections it does not know on to the old holder "
                    + "(vip-handover-forward), which keeps the VIP on lo, answering no ARP for it, while it drains "
                    + "(vip-handover-release). Needs nftables on the nodes and both on one segment. false: the old "
                    + "holder removes the VIP and those connections are reset once clients follow the new holder"),

    // ------------------------------------------------------------------ JGroups
    JGROUPS_PORT("jgroups_port", "7800",
            "the JGroups port on cluster_bind, the same on every node; FD_SOCK2 listens on this port + 100"),
    JGROUPS_TRANSPORT("jgroups_transport", "tcp",
            "tcp (static member list: cluster_members, each at jgroups_port) or udp (IP multicast discovery)"),
    JGROUPS_MCAST_ADDR("jgroups_mcast_addr", "239.7.8.1", "udp only: the multicast group"),
    JGROUPS_MCAST_PORT("jgroups_mcast_port", "45588", "udp only: the multicast port"),
    JGROUPS_MCAST_TTL("jgroups_mcast_ttl", "1", "udp only: multicast TTL (1 keeps it on the local segment)"),
    JGROUPS_FD_TIMEOUT("jgroups_fd_timeout", "200ms",
            "FD_ALL3: a member silent this long is suspected (a hung host, a cut link)"),
    JGROUPS_FD_INTERVAL("jgroups_fd_interval", "30ms", "FD_ALL3: heartbeat interval, less than jgroups_fd_timeout"),
    JGROUPS_VERIFY_TIMEOUT("jgroups_verify_timeout", "50ms",
            "VERIFY_SUSPECT: how long a suspect gets to answer before it is excluded. A crashed process (its "
                    + "FD_SOCK2 socket closed) whose host refuses its FD_SOCK2 ports is excluded without waiting; "
                    + "one whose host does not answer after about this long; a silent one after "
                    + "jgroups_fd_timeout + this"),
    JGROUPS_MERGE_MIN("jgroups_merge_min", "200ms", "MERGE3: shortest interval between view announcements"),
    JGROUPS_MERGE_MAX("jgroups_merge_max", "800ms",
            "MERGE3: longest interval between view announcements; a healed partition merges within about "
                    + "1.25 times this"),
    JGROUPS_JOIN_TIMEOUT("jgroups_join_timeout", "500ms",
            "GMS: how long a starting node looks for a cluster before it forms its own"),
    JGROUPS_CONNECT_TIMEOUT("jgroups_connect_timeout", "500ms",
            "TCP: connect timeout to a member (sends to an unreachable member never block the others)"),

    // ------------------------------------------------------------------ shared with the shared-state module
    CLUSTER_NAME("cluster_name", "jpen", "(shared) nodes with a different name never join each other"),
    CLUSTER_BIND("cluster_bind", "",
            "(shared) the address JGroups binds to; default: the one cluster_members entry that is local"),
    CLUSTER_MEMBERS("cluster_members", "",
            "(shared) host names or addresses of all nodes and witnesses, comma-separated, without ports");

    private final String key;
    private final String defaultValue;
    private final String description;

    LeaderKey(String key, String defaultValue, String description) {
        this.key = key;
        this.defaultValue = defaultValue;
        this.description = description;
    }

    public String key() {
        return key;
    }

    /** The default as an operator would write it; empty means "not set". */
    public String defaultValue() {
        return defaultValue;
    }

    public String description() {
        return description;
    }

    /** Every key this module understands (what {@code NodeExtension.keys()} returns). */
    public static Set<String> keys() {
        return EnumSet.allOf(LeaderKey.class).stream().map(LeaderKey::key).collect(Collectors.toUnmodifiableSet());
    }
}
