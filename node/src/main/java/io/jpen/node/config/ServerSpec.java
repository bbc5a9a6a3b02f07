package io.jpen.node.config;

import java.net.InetSocketAddress;

/**
 * One server slot: where the backend is and its limits, as in Pen's
 * {@code host[:port[:soft[:hard[:weight[:prio]]]]]}. Immutable; a change builds a new spec.
 *
 * @param endpoint null for an empty slot (created by {@code server N ...} with a large N): never chosen
 * @param maxConnections soft limit, 0 = unlimited
 * @param hard limit for clients returning to this server (only used when the soft limit is reached)
 * @param weight used by the weight algorithm; 0 = never chosen by it
 * @param prio used by the prio algorithm; lower is preferred
 * @param acl per-server access list 0-9 (0 = the empty list: permit all)
 */
public record ServerSpec(Endpoint endpoint, int maxConnections, int hard, int weight, int prio, int acl) {

    public static final ServerSpec EMPTY = new ServerSpec(null, 0, 0, 0, 0, 0);

    public boolean isEmpty() {
        return endpoint == null;
    }

    public ServerId id() {
        return endpoint == null ? null : new ServerId(endpoint.canonical());
    }

    /** The numeric address Pen prints in {@code servers} (or the Unix path). */
    public String addressText() {
        if (endpoint == null) {
            return null;
        }
        return endpoint.isUnix() ? endpoint.unixPath() : endpoint.inet().getAddress().getHostAddress();
    }

    /** Port as Pen prints it: a Unix backend shows port 1, an empty slot 0. */
    public int port() {
        if (endpoint == null) {
            return 0;
        }
        return endpoint.isUnix() ? 1 : endpoint.inet().getPort();
    }

    public ServerSpec withEndpoint(Endpoint e) {
        return new ServerSpec(e, maxConnections, hard, weight, prio, acl);
    }

    public ServerSpec withMaxConnections(int v) {
        return new ServerSpec(endpoint, v, hard, weight, prio, acl);
    }

    public ServerSpec withHard(int v) {
        return new ServerSpec(endpoint, maxConnections, v, weight, prio, acl);
    }

    public ServerSpec withWeight(int v) {
        return new ServerSpec(endpoint, maxConnections, hard, v, prio, acl);
    }

    public ServerSpec withPrio(int v) {
        return new ServerSpec(endpoint, maxConnections, hard, weight, v, acl);
    }

    public ServerSpec withAcl(int v) {
        return new ServerSpec(endpoint, maxConnections, hard, weight, prio, v);
    }

    /**
     * Parses Pen's server spec. Missing port: {@code defaultPort} (the listen port); missing numbers: 0.
     * Unlike Pen, a malformed or out-of-range field is an error naming the field.
     */
    public static ServerSpec parse(String spec, int defaultPort) {
        String host;
        String rest;
        if (spec.startsWith("[")) {
            int close = spec.indexOf(']');
            if (close < 0) {
                throw ConfigException.of(spec, "bad IPv6 server address (expected: [addr]:port:...)");
            }
            host = spec.substring(1, close);
            rest = spec.substring(close + 1);
            if (!rest.isEmpty() && rest.charAt(0) != ':') {
                throw ConfigException.of(spec, "bad IPv6 server address (expected: [addr]:port:...)");
            }
            rest = rest.isEmpty() ? "" : rest.substring(1);
        } else {
            int colon = spec.indexOf(':');
            host = colon < 0 ? spec : spec.substring(0, colon);
            rest = colon < 0 ? "" : spec.substring(colon + 1);
        }
        String[] f = rest.isEmpty() ? new String[0] : rest.split(":", -1);
        if (f.length > 5) {
            throw ConfigException.of(spec, "too many fields (expected: host[:port[:soft[:hard[:weight[:prio]]]]])");
        }
        Endpoint endpoint;
        int first = 0;
        if (host.indexOf('/') >= 0) {
            endpoint = new Endpoint(host, null, host);
        } else {
            int port;
            if (f.length > 0 && !f[0].isEmpty()) {
                port = Ports.parse(f[0], "server port");
            } else if (defaultPort > 0) {
                port = defaultPort;
            } else {
                throw ConfigException.of(spec, "no port given and the listener has none (expected: host:port)");
            }
            endpoint = new Endpoint(spec, new InetSocketAddress(Endpoint.resolve(host), port), null);
        }
        first = 1;
        int[] n = new int[4];
        for (int i = first; i < f.length; i++) {
            n[i - first] = Numbers.parseInt(f[i], fieldName(i - first) + " of server " + spec, 0, Integer.MAX_VALUE);
        }
        return new ServerSpec(endpoint, n[0], n[1], n[2], n[3], 0);
    }

    private static String fieldName(int i) {
        return switch (i) {
            case 0 -> "soft limit";
            case 1 -> "hard limit";
            case 2 -> "weight";
            default -> "prio";
        };
    }

    /** An emergency or abuse server, {@code host[:port]}, port defaulting to the listen port. */
    public static ServerSpec parseSpecial(String spec, int defaultPort) {
        ServerSpec s = parse(spec, defaultPort);
        return new ServerSpec(s.endpoint(), 0, 0, 0, 0, 0);
    }

    /** @return the inet address or null */
    public InetSocketAddress inet() {
        return endpoint == null ? null : endpoint.inet();
    }
}
