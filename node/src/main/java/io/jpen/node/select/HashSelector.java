package io.jpen.node.select;

import io.jpen.node.affinity.ClientKey;

/**
 * Pen's {@code -h}: IPv4 address bytes b0.b1.b2.b3 read as a little-endian unsigned 32-bit number, modulo the
 * number of slots (so 127.0.0.X over 3 servers gives (1+X) mod 3); IPv6: the last address byte. With {@code -r}
 * the byte-swapped source port is XORed in. No availability check: an unavailable pick fails over in index order.
 */
public enum HashSelector implements ServerSelector {
    /** Hash of the client address only. */
    ADDRESS(false),
    /** {@code -h -r}: the source port is mixed in, so one client's connections spread. */
    ADDRESS_AND_PORT(true);

    private final boolean withPort;

    HashSelector(boolean withPort) {
        this.withPort = withPort;
    }

    @Override
    public int select(Candidates c, ClientKey client, int sourcePort) {
        int n = c.size();
        if (n == 0) {
            return NO_SERVER;
        }
        return (int) Long.remainderUnsigned(hash(client.address(), withPort ? sourcePort : -1), n);
    }

    /** The unsigned hash value (exposed for tests that compare against Pen's formula). */
    public static long hash(byte[] a, int sourcePort) {
        long v;
        if (a.length == 4) {
            v = (a[0] & 0xffL) | (a[1] & 0xffL) << 8 | (a[2] & 0xffL) << 16 | (a[3] & 0xffL) << 24;
        } else if (a.length == 16) {
            v = a[15] & 0xffL;
        } else {
            v = 0;
        }
        if (sourcePort >= 0) {
            int swapped = ((sourcePort & 0xff) << 8) | ((sourcePort >> 8) & 0xff);
            v ^= swapped;
        }
        return v;
    }

    @Override
    public String algorithm() {
        return "hash";
    }
}
