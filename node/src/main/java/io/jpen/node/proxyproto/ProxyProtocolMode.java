package io.jpen.node.proxyproto;

import io.jpen.node.config.ConfigException;

import java.util.Locale;

/** Which PROXY protocol header jpen sends to a backend before the client's bytes (HAProxy's send-proxy[-v2]). */
public enum ProxyProtocolMode {
    /** No header (Pen's behaviour). */
    OFF,
    /** The text header {@code PROXY TCP4 src dst sport dport\r\n}. */
    V1,
    /** The binary header. */
    V2;

    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static ProxyProtocolMode parse(String word) {
        return switch (word) {
            case "v1", "1" -> V1;
            case "v2", "2" -> V2;
            case "off", "none" -> OFF;
            default -> throw ConfigException.of(word, "PROXY protocol version (expected: v1|v2|off)");
        };
    }
}
