package io.jpen.node.affinity;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * A client as Pen tracks it: its IP address only (the source port is ignored). All Unix-socket clients share one
 * key ({@link #UNIX}), as in Pen. IPv4-mapped IPv6 addresses are folded to IPv4 so a dual-stack listener does not
 * split one client in two. Immutable, with a precomputed hash: it is a map key on the hot path.
 */
public final class ClientKey {
    public static final ClientKey UNIX = new ClientKey(new byte[0]);

    private final byte[] address;
    private final int hash;

    private ClientKey(byte[] address) {
        this.address = address;
        this.hash = Arrays.hashCode(address);
    }

    public static ClientKey of(byte[] raw) {
        if (raw.length == 16 && isV4Mapped(raw)) {
            return new ClientKey(Arrays.copyOfRange(raw, 12, 16));
        }
        return new ClientKey(raw.clone());
    }

    public static ClientKey of(SocketAddress remote) {
        if (remote instanceof InetSocketAddress isa && isa.getAddress() != null) {
            return of(isa.getAddress().getAddress());
        }
        return UNIX;
    }

    /** Parses the textual form written by {@link #toString()} (used by the shared table). */
    public static ClientKey parse(String text) {
        if (text.isEmpty()) {
            return UNIX;
        }
        try {
            return of(InetAddress.getByName(text).getAddress());
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an address literal: " + text, e);
        }
    }

    private static boolean isV4Mapped(byte[] a) {
        for (int i = 0; i < 10; i++) {
            if (a[i] != 0) {
                return false;
            }
        }
        return a[10] == (byte) 0xff && a[11] == (byte) 0xff;
    }

    /** Raw address bytes (4, 16, or 0 for Unix clients). Do not modify. */
    public byte[] address() {
        return address;
    }

    public boolean isUnix() {
        return address.length == 0;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ClientKey k && k.hash == hash && Arrays.equals(k.address, address);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    /** The numeric address, as Pen prints it in {@code recent}; empty for Unix-socket clients. */
    @Override
    public String toString() {
        if (address.length == 0) {
            return "";
        }
        try {
            InetAddress a = address.length == 4 ? Inet4Address.getByAddress(address) : Inet6Address.getByAddress(address);
            return a.getHostAddress();
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
