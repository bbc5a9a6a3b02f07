package io.jpen.node.udp;

import io.jpen.node.config.ConfigException;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The active health check for UDP backends ({@code udp_check}), which Pen lacks (its users' most common wish, Pen
 * issue #19): every {@code intervalSeconds} each server gets {@link #probe} from its own socket; a probe counts as
 * answered if any reply (or, with {@link #expect}, a reply starting with those bytes) arrives before the next one.
 * After {@code fall} unanswered probes in a row the server is blacklisted (and kept so while it stays silent); after
 * {@code rise} answered probes in a row it is cleared. Immutable.
 *
 * @param intervalSeconds 0 = no check [0]
 * @param probe           the datagram sent [{@code "ping\n"}]; in the command, C escapes {@code \r \n \t \\ \xHH}
 * @param expect          the bytes a reply must start with; empty = any reply [empty]
 */
public record UdpCheck(int intervalSeconds, int fall, int rise, byte[] probe, byte[] expect) {
    public static final UdpCheck OFF = new UdpCheck(0, 2, 2, "ping\n".getBytes(StandardCharsets.US_ASCII), new byte[0]);

    public UdpCheck {
        probe = probe.clone();
        expect = expect.clone();
    }

    public boolean enabled() {
        return intervalSeconds > 0;
    }

    @Override
    public byte[] probe() {
        return probe.clone();
    }

    @Override
    public byte[] expect() {
        return expect.clone();
    }

    boolean accepts(byte[] reply) {
        return reply.length >= expect.length && Arrays.equals(reply, 0, expect.length, expect, 0, expect.length);
    }

    public UdpCheck withTiming(int interval, int fall, int rise) {
        return new UdpCheck(interval, fall, rise, probe, expect);
    }

    public UdpCheck withProbe(byte[] v) {
        return new UdpCheck(intervalSeconds, fall, rise, v, expect);
    }

    public UdpCheck withExpect(byte[] v) {
        return new UdpCheck(intervalSeconds, fall, rise, probe, v);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof UdpCheck c && c.intervalSeconds == intervalSeconds && c.fall == fall && c.rise == rise
                && Arrays.equals(c.probe, probe) && Arrays.equals(c.expect, expect);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * intervalSeconds + fall) + rise + Arrays.hashCode(probe);
    }

    @Override
    public String toString() {
        return "UdpCheck[" + intervalSeconds + "s fall " + fall + " rise " + rise + " probe " + escape(probe) + "]";
    }

    /** Decodes {@code \r \n \t \\ \xHH} (the file and control syntax splits on spaces, so write a space as \x20). */
    public static byte[] unescape(String text) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] in = text.getBytes(StandardCharsets.ISO_8859_1);
        for (int i = 0; i < in.length; i++) {
            byte c = in[i];
            if (c != '\\' || i + 1 >= in.length) {
                out.write(c);
                continue;
            }
            byte e = in[++i];
            switch (e) {
                case 'r' -> out.write('\r');
                case 'n' -> out.write('\n');
                case 't' -> out.write('\t');
                case '\\' -> out.write('\\');
                case 'x' -> {
                    if (i + 2 >= in.length) {
                        throw ConfigException.of(text, "\\x needs two hex digits");
                    }
                    try {
                        out.write(Integer.parseInt(new String(in, i + 1, 2, StandardCharsets.ISO_8859_1), 16));
                    } catch (NumberFormatException ex) {
                        throw ConfigException.of(text, "\\x needs two hex digits");
                    }
                    i += 2;
                }
                default -> throw ConfigException.of(text, "unknown escape \\" + (char) e + " (expected: \\r \\n \\t \\\\ \\xHH)");
            }
        }
        return out.toByteArray();
    }

    /** The inverse of {@link #unescape}, for {@code write}. */
    public static String escape(byte[] bytes) {
        StringBuilder b = new StringBuilder();
        for (byte x : bytes) {
            int c = x & 0xff;
            switch (c) {
                case '\r' -> b.append("\\r");
                case '\n' -> b.append("\\n");
                case '\t' -> b.append("\\t");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (c > 0x20 && c < 0x7f) {
                        b.append((char) c);
                    } else {
                        b.append(String.format("\\x%02x", c));
                    }
                }
            }
        }
        return b.toString();
    }
}
