package io.jpen.node.config;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Objects;

/**
 * A listening or backend address as Pen writes it: {@code [host:]port}, {@code [v6addr]:port}, or a Unix socket
 * path (any spec containing {@code /}). The host part is split at the last colon, so {@code ::1:2222} is IPv6
 * {@code ::1} port 2222, as in Pen. Resolution happens here, at configuration time, never on an event loop.
 *
 * @param spec    the text as given (what {@code listen} and {@code control} print back)
 * @param inet    the resolved address, or null for a Unix socket
 * @param unixPath the socket path, or null for TCP/UDP
 */
public record Endpoint(String spec, InetSocketAddress inet, String unixPath) {

    public Endpoint {
        Objects.requireNonNull(spec);
        if ((inet == null) == (unixPath == null)) {
            throw new IllegalArgumentException("exactly one of inet and unixPath");
        }
    }

    public boolean isUnix() {
        return unixPath != null;
    }

    /**
     * Parses a listen or control spec.
     *
     * @param defaultHost the host used for a bare port ({@code 0.0.0.0} for the listener, loopback for the control port)
     */
    public static Endpoint parse(String spec, String defaultHost) {
        if (spec == null || spec.isEmpty()) {
            throw ConfigException.of(String.valueOf(spec), "empty address (expected: [host:]port or /unix/path)");
        }
        if (spec.indexOf('/') >= 0) {
            return new Endpoint(spec, null, spec);
        }
        String host;
        String port;
        if (spec.startsWith("[")) {
            int close = spec.indexOf(']');
            if (close < 0 || close + 1 >= spec.length() || spec.charAt(close + 1) != ':') {
                throw ConfigException.of(spec, "bad IPv6 address (expected: [addr]:port)");
            }
            host = spec.substring(1, close);
            port = spec.substring(close + 2);
        } else {
            int colon = spec.lastIndexOf(':');
            host = colon < 0 ? defaultHost : spec.substring(0, colon);
            port = colon < 0 ? spec : spec.substring(colon + 1);
        }
        int p = Ports.parse(port, "port");
        return new Endpoint(spec, new InetSocketAddress(resolve(host), p), null);
    }

    /** Resolves a host name or literal; the error names the host, as Pen's {@code unknown or invalid address [h]}. */
    public static InetAddress resolve(String host) {
        if (host.isEmpty()) {
            throw ConfigException.of(host, "empty host name");
        }
        try {
            return InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw ConfigException.of(host, "unknown or invalid address");
        }
    }

    /** The canonical {@code addr:port} (or path) that identifies this endpoint across nodes. */
    public String canonical() {
        if (isUnix()) {
            return unixPath;
        }
        String a = inet.getAddress().getHostAddress();
        return (a.indexOf(':') >= 0 ? "[" + a + "]" : a) + ":" + inet.getPort();
    }

    @Override
    public String toString() {
        return spec;
    }
}
