package io.jpen.cluster.leader.group;

import io.jpen.cluster.leader.config.GroupOptions;
import org.jgroups.protocols.BARRIER;
import org.jgroups.protocols.FD_ALL3;
import org.jgroups.protocols.FRAG2;
import org.jgroups.protocols.MERGE3;
import org.jgroups.protocols.PING;
import org.jgroups.protocols.PerDestinationBundler;
import org.jgroups.protocols.TCP;
import org.jgroups.protocols.TCPPING;
import org.jgroups.protocols.TP;
import org.jgroups.protocols.UDP;
import org.jgroups.protocols.UNICAST3;
import org.jgroups.protocols.VERIFY_SUSPECT;
import org.jgroups.protocols.pbcast.GMS;
import org.jgroups.protocols.pbcast.NAKACK2;
import org.jgroups.protocols.pbcast.STABLE;
import org.jgroups.stack.Protocol;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds the JGroups stack, bottom first, from {@link GroupOptions}. Built in code rather than from XML so every
 * value comes from one validated option and no system property or shipped default (diagnostics, which multicast;
 * {@code match-interface} binds) can slip in.
 *
 * <pre>
 *   TCP | UDP          bound to cluster_bind only; diagnostics off; TCP sends never wait for a dead peer's connect
 *   (test faults)      e.g. DISCARD, inserted by tests only
 *   TCPPING | PING     the static member list, or multicast discovery
 *   MERGE3             heals partitions within ~1.6 x jgroups_merge_max
 *   ContactTracker     when each member was last heard (the holder's quorum lease)
 *   FD_SOCK2           a ring of TCP connections: a killed process's socket closes → suspect at once
 *                      ({@link PromptCrashDetection}: before it reconnects the ring; and a suspect whose host
 *                      refuses its FD_SOCK2 ports is dead: excluded without VERIFY_SUSPECT's wait)
 *   CrashWatcher       which suspects came from FD_SOCK2 (crashed) rather than from silence (alive behind a cut?)
 *   FD_ALL3            silence → suspect (hung host, cut link): jgroups_fd_timeout
 *   VERIFY_SUSPECT     double-checks every suspicion for jgroups_verify_timeout (FD_SOCK2 also suspects members it
 *                      merely fails to connect to, e.g. over a stale connection after a merge: those must not
 *                      split the group); a killed process whose host still answers skips it (above).
 *                      Not VERIFY_SUSPECT2: that one checks its suspects on a fixed-rate timer of the same period,
 *                      so a suspicion waited 1-2 timeouts (50-100 ms measured, 75 on average); this one keeps a
 *                      deadline per suspect
 *   BARRIER NAKACK2 UNICAST3 STABLE GMS FRAG2
 * </pre>
 */
public final class StackFactory {
    private StackFactory() {
    }

    /**
     * @param faults protocols placed just above the transport (tests inject DISCARD here); usually empty
     */
    public static List<Protocol> build(GroupOptions o, ContactTracker contacts, CrashWatcher crashes,
                                       List<Protocol> faults) {
        List<Protocol> p = new ArrayList<>();
        p.add(transport(o));
        p.addAll(faults);
        p.add(discovery(o));
        p.add(new MERGE3().setMinInterval(o.mergeMin().toMillis()).setMaxInterval(o.mergeMax().toMillis()));
        p.add(contacts);
        // FD_SOCK2's connect runs on the thread that installs a view: bounded by the silence the others tolerate
        p.add(new PromptCrashDetection((int) o.verifyTimeout().toMillis()).setBindAddress(o.bind()).setPortRange(3).setValue("connect_timeout",
                (int) Math.min(o.connectTimeout().toMillis(), o.fdTimeout().toMillis())));
        p.add(crashes);
        p.add(new FD_ALL3().setTimeout(o.fdTimeout().toMillis()).setInterval(o.fdInterval().toMillis()));
        p.add(new VERIFY_SUSPECT().setTimeout(o.verifyTimeout().toMillis()).setBindAddress(o.bind()));
        p.add(new BARRIER());
        p.add(new NAKACK2().setValue("use_mcast_xmit", false).setValue("xmit_interval", 200L));
        p.add(new UNICAST3().setValue("xmit_interval", 200L));
        p.add(new STABLE().setValue("desired_avg_gossip", 5000L).setValue("max_bytes", 1_000_000L));
        p.add(new GMS().setJoinTimeout(o.joinTimeout().toMillis())
                .setValue("print_local_addr", false));
        p.add(new FRAG2().setValue("frag_size", 60_000));
        return p;
    }

    private static TP transport(GroupOptions o) {
        TP tp;
        if (o.udp()) {
            tp = new UDP().setMulticastAddress(o.mcastAddr()).setMulticastPort(o.mcastPort()).setValue("ip_ttl",
                    o.mcastTtl());
        } else {
            TCP tcp = new TCP();
            tcp.setSockConnTimeout((int) o.connectTimeout().toMillis())
                    .setClientBindAddr(o.bind())
                    .setValue("tcp_nodelay", true);
            tcp.setValue("non_blocking_sends", true);
            // JGroups connects in the sending thread, and its default bundler sends to every destination from ONE
            // thread: a connect to a member behind a cut (SYNs unanswered, sock_conn_timeout) held up heartbeats to
            // everyone else, and the survivors excluded each other. One sender thread per destination confines
            // a hanging connect to the messages for that member.
            tcp.setBundler(new PerDestinationBundler().useSingleSenderThread(false));
            tp = tcp;
        }
        tp.setBindAddress(o.bind());
        tp.setBindPort(o.port());
        tp.setPortRange(0);
        tp.useVirtualThreads(false);
        // diagnostics listen on a multicast socket of every interface: never wanted here
        try {
            tp.setDiagnosticsHandler(tp.createDiagnosticsHandler().setEnabled(false));
        } catch (Exception e) {
            throw new IllegalStateException("cannot switch JGroups diagnostics off", e);
        }
        return tp;
    }

    private static Protocol discovery(GroupOptions o) {
        if (o.udp()) {
            return new PING();
        }
        List<InetSocketAddress> hosts = new ArrayList<>();
        for (var m : o.members()) {
            hosts.add(new InetSocketAddress(m, o.port()));
        }
        return new TCPPING().setInitialHosts(hosts).setPortRange(0);
    }
}
