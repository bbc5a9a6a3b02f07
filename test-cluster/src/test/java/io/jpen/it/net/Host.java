package io.jpen.it.net;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One host of a {@link NetLab}: a network namespace whose {@code eth0} is plugged into the lab's bridge. Runs commands
 * and long-lived processes inside it, and injects the faults that happen to a host's network: a cable pull (the
 * bridge side of its veth goes down, so {@code eth0} loses carrier) and a partition (nft rules in the namespace drop
 * every packet to and from chosen peers, silently, as a broken switch would).
 */
public final class Host {
    private static final Pattern MAC = Pattern.compile("link/ether ([0-9a-f:]{17})");

    private final NetLab lab;
    private final String name;
    private final String namespace;
    private final String veth;
    private final String address;
    private String mac;

    Host(NetLab lab, String name, String namespace, String veth, String address) {
        this.lab = lab;
        this.name = name;
        this.namespace = namespace;
        this.veth = veth;
        this.address = address;
    }

    public String name() {
        return name;
    }

    public String namespace() {
        return namespace;
    }

    /** The bridge-side end of this host's veth pair (in the root namespace). */
    public String veth() {
        return veth;
    }

    /** The host's own address on {@code eth0}. */
    public String address() {
        return address;
    }

    /** The MAC address of {@code eth0}, as captures show it. */
    public String mac() {
        return mac;
    }

    /** {@code ip netns exec NS}: put before a command to run it in this host. */
    public List<String> prefix() {
        return List.of("ip", "netns", "exec", namespace);
    }

    /** Runs a short command inside this host. */
    public Cmd.Result exec(String... command) {
        List<String> c = new ArrayList<>(prefix());
        c.addAll(List.of(command));
        return Cmd.run(c);
    }

    /** Adds another address to {@code eth0} (a tracked client's source address, say). */
    public void addAddress(String address) {
        Cmd.check("ip", "-n", namespace, "addr", "add", address + "/" + NetLab.PREFIX, "dev", "eth0");
    }

    /** The IPv4 addresses on {@code eth0} now. */
    public List<String> addresses() {
        List<String> out = new ArrayList<>();
        for (String line : Cmd.run(List.of("ip", "-n", namespace, "-o", "-4", "addr", "show", "dev", "eth0"))
                .orThrow().output().split("\n")) {
            int i = line.indexOf(" inet ");
            if (i >= 0) {
                String cidr = line.substring(i + 6).trim().split("\\s+")[0];
                out.add(cidr.split("/")[0]);
            }
        }
        return out;
    }

    /**
     * Starts a long-lived process inside this host, its output going to {@code logDir/HOST-LABEL.log}. The lab stops
     * it (by PID) when it closes, if the test has not.
     */
    public Child start(String label, List<String> command) throws IOException {
        List<String> c = new ArrayList<>(prefix());
        c.addAll(command);
        Path log = lab.logDir().resolve(name + "-" + label + ".log");
        return lab.own(Child.start(name + "/" + label, c, log));
    }

    /** Like {@link #start}, with pipes to the process's stdin and stdout (its stderr goes to the log). */
    public Child startPiped(String label, List<String> command) throws IOException {
        List<String> c = new ArrayList<>(prefix());
        c.addAll(command);
        Path log = lab.logDir().resolve(name + "-" + label + ".log");
        return lab.own(Child.piped(name + "/" + label, c, log));
    }

    // ------------------------------------------------------------------------------------------------- faults

    /** Pulls the cable: the bridge side of the veth goes down and {@code eth0} loses carrier. */
    public void cutLink() {
        Cmd.check("ip", "link", "set", veth, "down");
    }

    /** Plugs the cable back in. */
    public void restoreLink() {
        Cmd.check("ip", "link", "set", veth, "up");
    }

    /**
     * Drops every IPv4 packet between this host and {@code peers}, both ways, silently (nft table {@code jpt} in this
     * namespace). Applied on one side only, that is already a complete partition for TCP and for heartbeats.
     */
    public void isolateFrom(List<String> peers) {
        String set = "{ " + String.join(", ", peers) + " }";
        exec("nft", "add table inet jpt; "
                + "add chain inet jpt in { type filter hook input priority -10; }; "
                + "add chain inet jpt out { type filter hook output priority -10; }; "
                + "add rule inet jpt in ip saddr " + set + " drop; "
                + "add rule inet jpt out ip daddr " + set + " drop").orThrow();
    }

    /** Removes the partition made by {@link #isolateFrom(List)}. */
    public void heal() {
        exec("nft", "delete", "table", "inet", "jpt");
    }

    void readMac() {
        Matcher m = MAC.matcher(Cmd.check("ip", "-n", namespace, "-o", "link", "show", "eth0").output());
        if (!m.find()) {
            throw new IllegalStateException("no MAC on eth0 of " + namespace);
        }
        mac = m.group(1);
    }

    @Override
    public String toString() {
        return name + "(" + address + ")";
    }
}
