package io.jpen.cluster.leader.group;

import io.jpen.cluster.leader.config.GroupOptions;
import org.jgroups.Address;
import org.jgroups.BytesMessage;
import org.jgroups.JChannel;
import org.jgroups.Message;
import org.jgroups.Receiver;
import org.jgroups.View;
import org.jgroups.stack.Protocol;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.List;

/**
 * The leadership channel: one JGroups member, its two message kinds, and the view. Decodes on JGroups' threads and
 * hands everything to a {@link Listener}, which must not block (it only enqueues onto the leader's own thread).
 */
public final class GroupChannel implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger("jpen.leader");

    /** Receives channel events on JGroups threads; implementations hand them on and return at once. */
    public interface Listener {
        void onView(View view);

        void onStatus(Address from, MemberStatus status);

        void onAssignment(Address from, Assignment assignment);

        void onProbe(Address from, Probe probe);

        void onProbeAck(Address from, ProbeAck ack);
    }

    private final JChannel channel;
    private final ContactTracker contacts = new ContactTracker();
    private final CrashWatcher crashes = new CrashWatcher();
    private final java.util.concurrent.ExecutorService sender;
    private final GroupOptions options;

    /**
     * @param faults protocols for tests, placed just above the transport (e.g. DISCARD); empty in production
     */
    public GroupChannel(GroupOptions options, String nodeName, Listener listener, List<Protocol> faults)
            throws Exception {
        this.options = options;
        this.channel = new JChannel(StackFactory.build(options, contacts, crashes, faults));
        this.sender = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "jpen-leader-send");
            t.setDaemon(true);
            return t;
        });
        channel.name(nodeName);
        channel.setReceiver(new Receiver() {
            @Override
            public void receive(Message msg) {
                Object m;
                try {
                    m = Wire.decode(msg.getArray(), msg.getOffset(), msg.getLength());
                } catch (IOException | RuntimeException e) {
                    log.warn("ignoring a malformed leadership message from {}: {}", msg.getSrc(), e.toString());
                    return;
                }
                if (m instanceof MemberStatus s) {
                    listener.onStatus(msg.getSrc(), s);
                } else if (m instanceof Assignment a) {
                    listener.onAssignment(msg.getSrc(), a);
                } else if (m instanceof Probe p) {
                    listener.onProbe(msg.getSrc(), p);
                } else if (m instanceof ProbeAck a) {
                    listener.onProbeAck(msg.getSrc(), a);
                }
            }

            @Override
            public void viewAccepted(View view) {
                listener.onView(view);
            }
        });
    }

    /** Joins the cluster (blocks up to about {@code jgroups_join_timeout}; call from a thread of your own). */
    public void connect() throws Exception {
        channel.connect(options.clusterName() + "-leader");
    }

    public Address address() {
        return channel.getAddress();
    }

    public View view() {
        return channel.getView();
    }

    /**
     * The IP address a member's transport is bound to ({@code cluster_bind} on that node), from this channel's own
     * cache of physical addresses: a look-up that sends nothing and never waits. Null if unknown.
     */
    public java.net.InetAddress physicalAddress(Address member) {
        Object pa = channel.down(new org.jgroups.Event(org.jgroups.Event.GET_PHYSICAL_ADDRESS, member));
        return pa instanceof org.jgroups.stack.IpAddress ip ? ip.getIpAddress() : null;
    }

    public ContactTracker contacts() {
        return contacts;
    }

    public CrashWatcher crashes() {
        return crashes;
    }

    public void send(MemberStatus s) {
        send(Wire.encode(s));
    }

    public void send(Assignment a) {
        send(Wire.encode(a));
    }

    public void send(Address to, Probe p) {
        send(to, Wire.encode(p));
    }

    public void send(Address to, ProbeAck a) {
        send(to, Wire.encode(a));
    }

    /**
     * Sends to all others, in order, from a thread of its own: JGroups may hold a sender up (flow control, a merge in
     * progress), and the leader thread must stay free to fence. The sender applies its own status or decision
     * directly, without the loopback delay.
     */
    private void send(byte[] payload) {
        send(null, payload);
    }

    /** {@code to} null: to all others. */
    private void send(Address to, byte[] payload) {
        try {
            sender.execute(() -> {
                try {
                    channel.send(new BytesMessage(to, payload).setFlag(Message.TransientFlag.DONT_LOOPBACK));
                } catch (Exception e) {
                    if (channel.isConnected()) {
                        log.warn("leadership message not sent: {}", e.toString());
                    }
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closing
        }
    }

    /** The protocol of the given type, for tests that inject faults. */
    public <T extends Protocol> T protocol(Class<T> type) {
        return channel.getProtocolStack().findProtocol(type);
    }

    /** Leaves gracefully (the others see a view change at once) and closes. */
    @Override
    public void close() {
        sender.shutdown();
        try {
            sender.awaitTermination(1, java.util.concurrent.TimeUnit.SECONDS); // the last status (STOP) goes out
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        channel.close();
    }
}
