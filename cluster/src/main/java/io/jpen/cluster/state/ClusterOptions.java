package io.jpen.cluster.state;

import io.jpen.node.config.ConfigException;
import io.jpen.node.config.Numbers;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The {@code cluster_*} settings of the shared-state module, read once at start (from {@code --cluster-x-y=V} long
 * options or {@code cluster_x_y V} lines of the {@code -F} file). Each key is documented on its constant below, with
 * its default: this is the one home of these settings ({@code docs/cluster.md} repeats them for operators).
 * Immutable.
 *
 * @param service null until the node knows its listen port (see {@link #SERVICE})
 */
public record ClusterOptions(String name, InetAddress bind, int port, List<String> members, boolean multicast,
                             String service, int backups, int queueCapacity, int heartbeatSeconds,
                             int failureSeconds, int mergeSeconds, int refreshSeconds) {

    /**
     * {@code cluster_members}: the host names or addresses of all nodes, this one included, separated by commas,
     * without ports (each cluster module adds its own port; Hazelcast adds {@link #PORT}). Required: giving it enables
     * the module. Also read by the leadership module.
     */
    public static final String MEMBERS = "cluster_members";
    /**
     * {@code cluster_name}: nodes with a different name never join each other. Default {@code jpen}. It separates
     * clusters; it is not a password. Also read by the leadership module.
     */
    public static final String NAME = "cluster_name";
    /**
     * {@code cluster_bind}: the address this node's cluster port binds to, and the only one it binds to. Default: the
     * one entry of {@code cluster_members} that is an address of a local interface; it must be given when none or
     * several are (e.g. several 127.0.0.N on one machine). Also read by the leadership module.
     */
    public static final String BIND = "cluster_bind";
    /** {@code cluster_port}: the Hazelcast member port on {@code cluster_bind}, the same on every node. Default 5701. */
    public static final String PORT = "cluster_port";
    /**
     * {@code cluster_multicast}: {@code on} finds members by multicast (group 224.2.2.3:54327, TTL 1) instead of the
     * {@code cluster_members} list. Default {@code off}: multicast is easy to spoof and leaks beyond the intended hosts.
     */
    public static final String MULTICAST = "cluster_multicast";
    /**
     * {@code cluster_service}: nodes with the same service name share one client table, blacklist and settings.
     * Default: the listen port ({@code 8080}), or {@code unix} for a Unix-socket listener. Give each service its own
     * name when one cluster balances two services on the same port of different addresses.
     */
    public static final String SERVICE = "cluster_service";
    /**
     * {@code cluster_backups}: synchronous backup copies of every shared entry, 1-6. Default 1: losing any one node
     * loses no entry. Every write then waits for one more member.
     */
    public static final String BACKUPS = "cluster_backups";
    /**
     * {@code cluster_queue}: capacity of the queue that carries updates from the data plane to the cluster. Default
     * 65536. When it is full further updates are counted and dropped (the data plane never waits).
     */
    public static final String QUEUE = "cluster_queue";
    /** {@code cluster_heartbeat}: seconds between member heartbeats, 1-30. Default 1 (Hazelcast: 5). */
    public static final String HEARTBEAT = "cluster_heartbeat";
    /**
     * {@code cluster_failure_timeout}: seconds without heartbeat after which a member is declared dead, 2-300. Default 5
     * (Hazelcast: 60). A killed process is noticed sooner, through its refused connections; this bounds a hung host or
     * a cut cable.
     */
    public static final String FAILURE_TIMEOUT = "cluster_failure_timeout";
    /**
     * {@code cluster_merge_delay}: seconds after start, and then between checks, before the master looks for the other
     * half of a split cluster to merge with, 1-600. Default 5 (Hazelcast: 300, then 120).
     */
    public static final String MERGE_DELAY = "cluster_merge_delay";
    /**
     * {@code cluster_refresh}: at most how often, in seconds, a returning client's last-seen time is republished, so
     * that the other nodes neither forget it ({@code -T}) nor push it out first ({@code -c}), 0-3600. Default 0:
     * automatic, a quarter of the tracking time within 1-60 s, or 60 s without {@code -T}. Each refresh costs one
     * cluster write per active client; new assignments are published at once, whatever this says.
     */
    public static final String REFRESH = "cluster_refresh";

    /** Every key this module takes. */
    public static final Set<String> KEYS = Set.of(MEMBERS, NAME, BIND, PORT, MULTICAST, SERVICE, BACKUPS, QUEUE,
            HEARTBEAT, FAILURE_TIMEOUT, MERGE_DELAY, REFRESH);

    static final String DEFAULT_NAME = "jpen";
    static final int DEFAULT_PORT = 5701;
    static final int DEFAULT_QUEUE = 65536;

    private static final Pattern HOST_WITH_PORT = Pattern.compile("[^:\\[\\]]+:\\d+|\\[.*]:\\d+");

    public ClusterOptions {
        members = List.copyOf(members);
    }

    /** True when the options enable the module ({@code cluster_members} is given). */
    public static boolean enabled(Map<String, String> options) {
        return options.containsKey(MEMBERS);
    }

    /**
     * Parses and checks every key.
     *
     * @throws ConfigException naming the offending key and value
     */
    public static ClusterOptions parse(Map<String, String> o) {
        List<String> members = members(o.get(MEMBERS));
        boolean multicast = flag(o.getOrDefault(MULTICAST, "off"));
        if (members.isEmpty() && !multicast) {
            throw ConfigException.of(MEMBERS + " " + o.get(MEMBERS), "no member given (expected: host1,host2,...)");
        }
        String name = o.getOrDefault(NAME, DEFAULT_NAME).trim();
        if (name.isEmpty() || name.chars().anyMatch(Character::isWhitespace)) {
            throw ConfigException.of(NAME + " " + name, "bad cluster name (expected: a word, e.g. jpen)");
        }
        String service = o.get(SERVICE);
        if (service != null && !service.matches("[A-Za-z0-9_.-]+")) {
            throw ConfigException.of(SERVICE + " " + service, "bad service name (expected: letters, digits, _ . -)");
        }
        return new ClusterOptions(
                name,
                bindAddress(o),
                number(o, PORT, DEFAULT_PORT, 1, 65535),
                members,
                multicast,
                service,
                number(o, BACKUPS, 1, 1, 6),
                number(o, QUEUE, DEFAULT_QUEUE, 16, 1 << 24),
                number(o, HEARTBEAT, 1, 1, 30),
                number(o, FAILURE_TIMEOUT, 5, 2, 300),
                number(o, MERGE_DELAY, 5, 1, 600),
                number(o, REFRESH, 0, 0, 3600));
    }

    /**
     * The address the cluster ports bind to: {@code cluster_bind}, else the single entry of {@code cluster_members}
     * that is an address of a local interface. Public so that every cluster module applies the same rule.
     *
     * @throws ConfigException if it is missing and cannot be derived, or does not resolve
     */
    public static InetAddress bindAddress(Map<String, String> o) {
        String given = o.get(BIND);
        if (given != null) {
            return resolve(BIND, given.trim());
        }
        List<InetAddress> local = new ArrayList<>();
        for (String m : members(o.get(MEMBERS))) {
            try {
                for (InetAddress a : InetAddress.getAllByName(m)) {
                    if (NetworkInterface.getByInetAddress(a) != null && !local.contains(a)) {
                        local.add(a);
                    }
                }
            } catch (UnknownHostException | SocketException e) {
                // not ours to decide here: Hazelcast reports unreachable members
            }
        }
        if (local.size() != 1) {
            throw ConfigException.of(BIND, (local.isEmpty() ? "missing: no entry of " + MEMBERS + " is an address of this host"
                    : "missing: several entries of " + MEMBERS + " are addresses of this host " + local)
                    + " (expected: " + BIND + " ADDRESS, this node's address among " + MEMBERS + ")");
        }
        return local.get(0);
    }

    /** The same options with the service name decided (at start, from the listen port when not given). */
    ClusterOptions withService(String s) {
        return new ClusterOptions(name, bind, port, members, multicast, s, backups, queueCapacity, heartbeatSeconds,
                failureSeconds, mergeSeconds, refreshSeconds);
    }

    /** {@code addr:port} of this member, as Hazelcast and the {@code cluster} command show it. */
    String memberAddress() {
        String a = bind.getHostAddress();
        return (a.indexOf(':') >= 0 ? "[" + a + "]" : a) + ":" + port;
    }

    private static List<String> members(String text) {
        List<String> out = new ArrayList<>();
        if (text == null) {
            return out;
        }
        for (String m : text.split(",")) {
            String h = m.trim();
            if (h.isEmpty()) {
                continue;
            }
            if (HOST_WITH_PORT.matcher(h).matches()) {
                throw ConfigException.of(MEMBERS + " " + text, "'" + h + "' has a port (expected: host names or"
                        + " addresses only; every node uses " + PORT + ")");
            }
            if (h.startsWith("[") && h.endsWith("]")) {
                h = h.substring(1, h.length() - 1);
            }
            out.add(h);
        }
        return out;
    }

    private static InetAddress resolve(String key, String host) {
        try {
            return InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw ConfigException.of(key + " " + host, "unknown or invalid address");
        }
    }

    private static int number(Map<String, String> o, String key, int dflt, int min, int max) {
        String v = o.get(key);
        return v == null ? dflt : Numbers.parseInt(v, key, min, max);
    }

    private static boolean flag(String v) {
        return switch (v.trim().toLowerCase(Locale.ROOT)) {
            case "on", "yes", "true", "1" -> true;
            case "off", "no", "false", "0" -> false;
            default -> throw ConfigException.of(MULTICAST + " " + v, "not a switch (expected: on|off)");
        };
    }
}
