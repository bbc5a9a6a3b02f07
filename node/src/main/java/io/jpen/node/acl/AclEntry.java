package io.jpen.node.acl;

import io.jpen.node.config.ConfigException;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * One access-list rule: permit or deny an IPv4 address under a dotted mask, or an IPv6 prefix.
 * Immutable; matching is allocation-free on the hot path.
 */
public final class AclEntry {
    private final boolean permit;
    private final byte[] address;
    private final byte[] mask;

    private AclEntry(boolean permit, byte[] address, byte[] mask) {
        this.permit = permit;
        this.mask = mask;
        this.address = address.clone();
        for (int i = 0; i < this.address.length; i++) {
            this.address[i] &= mask[i];
        }
    }

    public boolean permit() {
        return permit;
    }

    /** True if {@code client} (4 or 16 raw bytes) falls under this rule; families never match each other. */
    public boolean matches(byte[] client) {
        if (client.length != address.length) {
            return false;
        }
        for (int i = 0; i < address.length; i++) {
            if ((client[i] & mask[i]) != address[i]) {
                return false;
            }
        }
        return true;
    }

    /**
     * Parses the arguments of {@code acl N permit|deny ADDR [MASK]} (IPv4) or {@code ADDR[/len]} (IPv6).
     * {@code country CC} needs GeoIP, which jpen does not ship: it is rejected with a clear message.
     */
    public static AclEntry parse(String action, String addr, String maskOrNull) {
        boolean permit;
        if ("permit".equals(action)) {
            permit = true;
        } else if ("deny".equals(action)) {
            permit = false;
        } else {
            throw ConfigException.of(action, "acl action (expected: permit|deny)");
        }
        if (addr == null) {
            throw ConfigException.of(action, "acl address missing (expected: permit|deny ADDRESS [MASK])");
        }
        if ("country".equals(addr)) {
            throw ConfigException.of("country", "GeoIP country ACLs are not supported (expected: an IPv4 or IPv6 address)");
        }
        if (addr.indexOf(':') >= 0) {
            int slash = addr.indexOf('/');
            String a = slash < 0 ? addr : addr.substring(0, slash);
            int len = 128;
            if (slash >= 0) {
                try {
                    len = Integer.parseInt(addr.substring(slash + 1));
                } catch (NumberFormatException e) {
                    len = -1;
                }
                if (len < 0 || len > 128) {
                    throw ConfigException.of(addr, "bad IPv6 prefix length (expected: 0-128)");
                }
            }
            InetAddress ia = literal(a, addr);
            if (!(ia instanceof Inet6Address)) {
                throw ConfigException.of(addr, "bogus address (expected: an IPv6 address)");
            }
            return new AclEntry(permit, ia.getAddress(), prefixMask(len, 16));
        }
        InetAddress ia = literal(addr, addr);
        if (!(ia instanceof Inet4Address)) {
            throw ConfigException.of(addr, "bogus address (expected: an IPv4 address)");
        }
        byte[] mask = prefixMask(32, 4);
        if (maskOrNull != null) {
            InetAddress m = literal(maskOrNull, maskOrNull);
            if (!(m instanceof Inet4Address)) {
                throw ConfigException.of(maskOrNull, "bogus mask (expected: a dotted IPv4 mask)");
            }
            mask = m.getAddress();
        }
        return new AclEntry(permit, ia.getAddress(), mask);
    }

    private static InetAddress literal(String a, String token) {
        if (a.isEmpty() || !(Character.digit(a.charAt(0), 16) >= 0 || a.charAt(0) == ':')) {
            throw ConfigException.of(token, "bogus address (expected: a numeric IPv4 or IPv6 address)");
        }
        if (a.indexOf(':') < 0) {
            String[] parts = a.split("\\.", -1);
            if (parts.length != 4) {
                throw ConfigException.of(token, "bogus address (expected: a dotted IPv4 address)");
            }
            for (String p : parts) {
                int v;
                try {
                    v = Integer.parseInt(p);
                } catch (NumberFormatException e) {
                    v = -1;
                }
                if (v < 0 || v > 255) {
                    throw ConfigException.of(token, "bogus address (expected: a dotted IPv4 address)");
                }
            }
        }
        try {
            return InetAddress.getByName(a); // a literal: no lookup happens
        } catch (UnknownHostException e) {
            throw ConfigException.of(token, "bogus address");
        }
    }

    private static byte[] prefixMask(int len, int bytes) {
        byte[] m = new byte[bytes];
        for (int i = 0; i < bytes; i++) {
            int bits = Math.max(0, Math.min(8, len - 8 * i));
            m[i] = (byte) (0xff << (8 - bits));
        }
        return m;
    }

    /** The rule as {@code write} prints it, e.g. {@code deny 127.0.0.7 255.255.255.255} or {@code permit ::1/128}. */
    public String toCommandArgs() {
        String action = permit ? "permit" : "deny";
        try {
            String a = InetAddress.getByAddress(address).getHostAddress();
            if (address.length == 4) {
                return action + " " + a + " " + InetAddress.getByAddress(mask).getHostAddress();
            }
            int len = 0;
            for (byte b : mask) {
                len += Integer.bitCount(b & 0xff);
            }
            return action + " " + a + "/" + len;
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AclEntry e && e.permit == permit && Arrays.equals(e.address, address) && Arrays.equals(e.mask, mask);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(address) * 31 + Arrays.hashCode(mask) + (permit ? 1 : 0);
    }

    @Override
    public String toString() {
        return toCommandArgs();
    }
}
