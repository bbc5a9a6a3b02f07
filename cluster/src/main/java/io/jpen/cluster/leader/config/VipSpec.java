package io.jpen.cluster.leader.config;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * One floating address as this node configures it.
 *
 * @param name     keepalived's instance name, passed to notify scripts; the same on every node (default: the address)
 * @param address  the IPv4 address, dotted
 * @param prefix   its prefix length (the scripts add {@code address/prefix})
 * @param iface    the interface it goes on
 * @param priority this node's priority for it, 1-254
 */
public record VipSpec(String name, String address, int prefix, String iface, int priority) {

    /** {@code address/prefix}, as {@code ip addr} takes it. */
    public String cidr() {
        return address + "/" + prefix;
    }

    /**
     * Parses {@code vip_address} ({@code [NAME=]ADDRESS[/PREFIX][@INTERFACE],...}) with the priorities of
     * {@code vip_priority} (one value, or one per VIP in order).
     */
    static List<VipSpec> parseAll(String addresses, String defaultIface, String priorities) {
        List<VipSpec> out = new ArrayList<>();
        if (addresses.isBlank()) {
            return out;
        }
        String[] entries = addresses.split(",");
        String[] prios = priorities.split(",");
        if (prios.length != 1 && prios.length != entries.length) {
            throw OptionReader.bad(LeaderKey.VIP_PRIORITY, priorities,
                    "has " + prios.length + " values for " + entries.length + " VIPs (expected: one value, or one per VIP)");
        }
        for (int i = 0; i < entries.length; i++) {
            int prio = OptionReader.integer(LeaderKey.VIP_PRIORITY, prios[prios.length == 1 ? 0 : i], 1, 254);
            VipSpec v = parse(entries[i].trim(), defaultIface, prio);
            for (VipSpec o : out) {
                if (o.name.equals(v.name) || o.address.equals(v.address)) {
                    throw OptionReader.bad(LeaderKey.VIP_ADDRESS, addresses, "lists " + v.name + " twice");
                }
            }
            out.add(v);
        }
        return List.copyOf(out);
    }

    static VipSpec parse(String entry, String defaultIface, int priority) {
        String rest = entry;
        String name = null;
        int eq = rest.indexOf('=');
        if (eq >= 0) {
            name = rest.substring(0, eq).trim();
            rest = rest.substring(eq + 1).trim();
            if (!name.matches("[A-Za-z0-9_.:-]+")) {
                throw OptionReader.bad(LeaderKey.VIP_ADDRESS, entry, "bad instance name (expected: letters, digits, _ . : -)");
            }
        }
        String iface = defaultIface;
        int at = rest.indexOf('@');
        if (at >= 0) {
            iface = rest.substring(at + 1).trim();
            rest = rest.substring(0, at).trim();
        }
        if (iface == null || iface.isEmpty()) {
            throw OptionReader.bad(LeaderKey.VIP_ADDRESS, entry,
                    "no interface (expected: ADDRESS/PREFIX@INTERFACE, or vip_interface set)");
        }
        if (!iface.matches("[A-Za-z0-9_.:@-]{1,15}")) {
            throw OptionReader.bad(LeaderKey.VIP_ADDRESS, entry, "bad interface name '" + iface + "'");
        }
        int prefix = 32;
        int slash = rest.indexOf('/');
        if (slash >= 0) {
            prefix = OptionReader.integer(LeaderKey.VIP_ADDRESS, rest.substring(slash + 1), 1, 32);
            rest = rest.substring(0, slash).trim();
        }
        if (!rest.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
            throw OptionReader.bad(LeaderKey.VIP_ADDRESS, entry, "not an IPv4 address (expected: e.g. 10.0.0.100/24@eth0)");
        }
        InetAddress a;
        try {
            a = InetAddress.getByName(rest);
        } catch (UnknownHostException e) {
            throw OptionReader.bad(LeaderKey.VIP_ADDRESS, entry, "not an IPv4 address");
        }
        if (!(a instanceof Inet4Address) || a.isLoopbackAddress() || a.isMulticastAddress() || a.isAnyLocalAddress()) {
            throw OptionReader.bad(LeaderKey.VIP_ADDRESS, entry, "not a unicast IPv4 address");
        }
        String addr = a.getHostAddress();
        return new VipSpec(name == null ? addr : name, addr, prefix, iface, priority);
    }

    @Override
    public String toString() {
        return name.equals(address) ? cidr() + "@" + iface : name + "=" + cidr() + "@" + iface;
    }
}
