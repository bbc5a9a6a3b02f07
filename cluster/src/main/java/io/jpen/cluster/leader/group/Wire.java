package io.jpen.cluster.leader.group;

import org.jgroups.Address;
import org.jgroups.util.Util;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The messages leadership sends, in a small explicit binary form (no Java serialization): a type byte, a format
 * version, then the fields. An unknown type or version is rejected, never guessed at. Fields added later go at the
 * end of a message and are read only when present: a node of the previous release ignores them (it stops reading
 * after its last field), so a cluster can be upgraded one node at a time (a planned handover per node).
 */
public final class Wire {
    static final byte STATUS = 1;
    static final byte ASSIGNMENT = 2;
    static final byte PROBE = 3;
    static final byte PROBE_ACK = 4;
    private static final byte VERSION = 1;

    private Wire() {
    }

    public static byte[] encode(MemberStatus s) {
        return write(out -> {
            out.writeByte(STATUS);
            out.writeByte(VERSION);
            out.writeUTF(s.node());
            out.writeBoolean(s.witness());
            out.writeBoolean(s.eligible());
            out.writeBoolean(s.leaving());
            out.writeBoolean(s.preempt());
            out.writeLong(s.preemptDelayMillis());
            out.writeShort(s.vips().size());
            for (MemberStatus.VipClaim c : s.vips()) {
                out.writeUTF(c.name());
                out.writeUTF(c.cidr());
                out.writeShort(c.priority());
                out.writeBoolean(c.holding());
                out.writeLong(c.since());
                out.writeBoolean(c.faulted());
            }
            // added after version 1 was released: optional on reading
            out.writeLong(s.drainMillis());
            out.writeBoolean(s.stopping());
            out.writeShort(s.notReady().size());
            for (String n : s.notReady()) {
                out.writeUTF(n);
            }
        });
    }

    public static byte[] encode(Assignment a) {
        return write(out -> {
            out.writeByte(ASSIGNMENT);
            out.writeByte(VERSION);
            out.writeLong(a.viewId());
            out.writeInt(a.seq());
            out.writeLong(a.garpGen());
            out.writeShort(a.holders().size());
            for (Map.Entry<String, Address> e : a.holders().entrySet()) {
                out.writeUTF(e.getKey());
                Util.writeAddress(e.getValue(), out);
            }
            out.writeShort(a.unheld().size());
            for (String v : a.unheld()) {
                out.writeUTF(v);
            }
            // added after version 1 was released: optional on reading
            out.writeShort(a.handoverFrom().size());
            for (Map.Entry<String, Address> e : a.handoverFrom().entrySet()) {
                out.writeUTF(e.getKey());
                Util.writeAddress(e.getValue(), out);
            }
        });
    }

    public static byte[] encode(Probe p) {
        return write(out -> {
            out.writeByte(PROBE);
            out.writeByte(VERSION);
            out.writeLong(p.nonce());
            out.writeLong(p.viewId());
        });
    }

    public static byte[] encode(ProbeAck a) {
        return write(out -> {
            out.writeByte(PROBE_ACK);
            out.writeByte(VERSION);
            out.writeLong(a.nonce());
            out.writeBoolean(a.sameView());
        });
    }

    /** Returns a {@link MemberStatus}, {@link Assignment}, {@link Probe} or {@link ProbeAck}. */
    public static Object decode(byte[] buf, int off, int len) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(buf, off, len));
        byte type = in.readByte();
        byte version = in.readByte();
        if (version != VERSION) {
            throw new IOException("unknown leadership message version " + version);
        }
        switch (type) {
            case STATUS -> {
                String node = in.readUTF();
                boolean witness = in.readBoolean();
                boolean eligible = in.readBoolean();
                boolean leaving = in.readBoolean();
                boolean preempt = in.readBoolean();
                long delay = in.readLong();
                int n = in.readShort();
                List<MemberStatus.VipClaim> vips = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    vips.add(new MemberStatus.VipClaim(in.readUTF(), in.readUTF(), in.readShort(), in.readBoolean(),
                            in.readLong(), in.readBoolean()));
                }
                long drain = in.available() >= Long.BYTES ? in.readLong() : 0;
                boolean stopping = in.available() > 0 && in.readBoolean();
                int r = in.available() >= Short.BYTES ? in.readShort() : 0;
                List<String> notReady = new ArrayList<>(r);
                for (int i = 0; i < r; i++) {
                    notReady.add(in.readUTF());
                }
                return new MemberStatus(node, witness, eligible, leaving, preempt, delay, vips, drain, stopping,
                        notReady);
            }
            case ASSIGNMENT -> {
                long viewId = in.readLong();
                int seq = in.readInt();
                long garpGen = in.readLong();
                int n = in.readShort();
                Map<String, Address> holders = new HashMap<>();
                for (int i = 0; i < n; i++) {
                    String v = in.readUTF();
                    try {
                        holders.put(v, Util.readAddress(in));
                    } catch (ClassNotFoundException e) {
                        throw new IOException("unknown address type in assignment", e);
                    }
                }
                int m = in.readShort();
                Set<String> unheld = new HashSet<>();
                for (int i = 0; i < m; i++) {
                    unheld.add(in.readUTF());
                }
                Map<String, Address> from = new HashMap<>();
                int h = in.available() > 0 ? in.readShort() : 0;
                for (int i = 0; i < h; i++) {
                    String v = in.readUTF();
                    try {
                        from.put(v, Util.readAddress(in));
                    } catch (ClassNotFoundException e) {
                        throw new IOException("unknown address type in assignment", e);
                    }
                }
                return new Assignment(viewId, seq, garpGen, holders, unheld, from);
            }
            case PROBE -> {
                return new Probe(in.readLong(), in.readLong());
            }
            case PROBE_ACK -> {
                return new ProbeAck(in.readLong(), in.readBoolean());
            }
            default -> throw new IOException("unknown leadership message type " + type);
        }
    }

    private interface Writer {
        void write(DataOutputStream out) throws IOException;
    }

    private static byte[] write(Writer w) {
        ByteArrayOutputStream b = new ByteArrayOutputStream(128);
        try (DataOutputStream out = new DataOutputStream(b)) {
            w.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // cannot happen writing to memory
        }
        return b.toByteArray();
    }
}
