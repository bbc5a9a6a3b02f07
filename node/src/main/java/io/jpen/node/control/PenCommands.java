package io.jpen.node.control;

import io.jpen.node.acl.AccessList;
import io.jpen.node.acl.AclEntry;
import io.jpen.node.affinity.ClientTable.ClientRecord;
import io.jpen.node.config.ConfigException;
import io.jpen.node.config.Endpoint;
import io.jpen.node.config.Numbers;
import io.jpen.node.config.Ports;
import io.jpen.node.config.ServerSpec;
import io.jpen.node.config.Settings;
import io.jpen.node.config.TcpFastclose;
import io.jpen.node.control.CommandInterpreter.Args;
import io.jpen.node.control.CommandInterpreter.Exec;
import io.jpen.node.control.CommandInterpreter.Origin;
import io.jpen.node.proxy.ProxyConnection;
import io.jpen.node.stats.ServerCounters;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * Pen 0.34.1's control commands with its exact reply formats (pen-behaviour.md section 3.2). Grouped as: status
 * and lists, global numbers, modes, servers, ACLs, files, connections.
 */
final class PenCommands {
    private PenCommands() {
    }

    static void register(CommandInterpreter ci, NodeControl node) {
        // ------------------------------------------------------------ status and lists
        ci.registerRead("servers", (a, e) -> servers(node, e.reply()));
        ci.registerRead("mode", (a, e) -> e.reply().line(e.base().modeLine()));
        ci.registerRead("recent", (a, e) -> recent(node, a, e));
        ci.registerRead("status", (a, e) -> {
            try {
                String page = node.writeStatusPage();
                if (page == null) {
                    e.reply().line("Unable to create webstats");
                } else {
                    for (String l : page.split("\n", -1)) {
                        if (!l.isEmpty()) {
                            e.reply().line(l);
                        }
                    }
                }
            } catch (IOException ex) {
                e.reply().line("Can't read webstats");
            }
        });
        ci.registerRead("pid", (a, e) -> e.reply().line(Long.toString(node.pid())));
        ci.registerRead("control", (a, e) -> {
            if (a.has(1)) {
                if (e.origin() == Origin.CONTROL) {
                    throw ConfigException.of(a.word(1), "the control port is set at start (-C, or 'control' in the -F file)");
                }
                node.configureAtStart("control", a.word(1));
            }
            e.reply().line(node.controlSpec());
        });
        ci.registerRead("node_name", (a, e) -> {
            if (a.has(1)) {
                if (e.origin() == Origin.CONTROL) {
                    throw ConfigException.of(a.word(1), "the node name is set at start (--node-name, or 'node_name' in the -F file)");
                }
                node.configureAtStart("node_name", a.word(1));
            }
            e.reply().line(node.nodeName());
        });
        ci.registerRead("listen", (a, e) -> {
            if (a.has(1)) {
                Endpoint ep = Endpoint.parse(a.word(1), "0.0.0.0");
                try {
                    node.listen(ep);
                } catch (IOException ex) {
                    throw ConfigException.of(a.word(1), ex.getMessage());
                }
            }
            String spec = node.listenSpec();
            e.reply().line(spec == null ? "" : spec);
        });
        ci.registerRead("exit", (a, e) -> {
            if (!node.options().exitEnabled()) {
                e.reply().line("Exit is not enabled; restart with -X flag");
            } else {
                e.after(node::exit);
            }
        });

        // ------------------------------------------------------------ global numbers
        number(ci, "blacklist", s -> s.blacklistSeconds, (b, v) -> b.blacklistSeconds = v, 0);
        number(ci, "timeout", s -> s.timeoutSeconds, (b, v) -> b.timeoutSeconds = v, 1);
        number(ci, "tracking", s -> s.trackingSeconds, (b, v) -> b.trackingSeconds = v, 0);
        number(ci, "debug", s -> s.debug, (b, v) -> b.debug = v, 0);
        growOnly(ci, "clients_max", s -> s.clientsMax, (b, v) -> b.clientsMax = v);
        growOnly(ci, "conn_max", s -> s.connMax, (b, v) -> b.connMax = v);
        ci.registerEdit("client_acl", (a, e) -> {
            if (a.has(1)) {
                e.settings().clientAcl = aclNumber(a.word(1));
            }
            e.reply().line(Integer.toString(e.settings().clientAcl));
        });
        ci.registerEdit("control_acl", (a, e) -> {
            if (a.has(1)) {
                e.settings().controlAcl = aclNumber(a.word(1));
            }
            e.reply().line(Integer.toString(e.settings().controlAcl));
        });
        ci.registerEdit("idle_timeout", (a, e) -> {
            if (a.has(1)) {
                e.settings().idleTimeout = Numbers.parseInt(a.word(1), "idle_timeout", 0, Integer.MAX_VALUE);
            }
            e.reply().line("Idle timeout: " + e.settings().idleTimeout + " seconds");
        });
        ci.registerEdit("pending_max", (a, e) -> {
            int v = Numbers.parseInt(a.require(1, "number (expected: pending_max N)"), "pending_max", 0, Integer.MAX_VALUE);
            e.settings().pendingMax = Math.max(1, v); // Pen: 0 becomes 1
        });
        ci.registerEdit("tcp_fastclose", (a, e) -> {
            String v = a.require(1, "argument (expected: tcp_fastclose up|down|both|off)");
            e.settings().tcpFastclose = switch (v) {
                case "up" -> TcpFastclose.UP;
                case "down" -> TcpFastclose.DOWN;
                case "both" -> TcpFastclose.BOTH;
                case "off" -> TcpFastclose.OFF;
                default -> throw ConfigException.of(v, "tcp_fastclose (expected: up|down|both|off)");
            };
        });
        ci.registerEdit("source", (a, e) -> {
            String ip = a.require(1, "address (expected: source IP)");
            InetAddress addr = Endpoint.resolve(ip);
            e.settings().source = addr.getHostAddress();
        });
        ci.registerEdit("no source", (a, e) -> e.settings().source = null);

        // ------------------------------------------------------------ modes
        mode(ci, "hash", (b, v) -> b.hash = v);
        mode(ci, "roundrobin", (b, v) -> b.roundrobin = v);
        mode(ci, "stubborn", (b, v) -> b.stubborn = v);
        mode(ci, "weight", (b, v) -> b.weight = v);
        mode(ci, "prio", (b, v) -> b.prio = v);
        mode(ci, "ascii", (b, v) -> b.ascii = v);
        mode(ci, "tcp_nodelay", (b, v) -> b.tcpNodelay = v);
        mode(ci, "keepalive", (b, v) -> b.keepalive = v);
        mode(ci, "http", (b, v) -> b.http = v);
        mode(ci, "transparent", (b, v) -> b.transparent = v);
        DataPlaneCommands.register(ci);
        unsupportedMode(ci, "dummy", "dummy mode");
        unsupportedMode(ci, "peek", "peek (direct server return)");
        unsupportedMode(ci, "abort_on_error", "abort_on_error");

        // ------------------------------------------------------------ servers
        ci.registerEdit("server", PenCommands::server);
        // jpen: the emergency (-e) and abuse (-B) servers as commands, so that write/-F keep them
        ci.registerEdit("emergency", (a, e) -> e.settings().emergency = special(node, a, "emergency"));
        ci.registerEdit("no emergency", (a, e) -> e.settings().emergency = null);
        ci.registerEdit("abuse", (a, e) -> e.settings().abuse = special(node, a, "abuse"));
        ci.registerEdit("no abuse", (a, e) -> e.settings().abuse = null);

        // ------------------------------------------------------------ ACLs
        ci.registerEdit("acl", (a, e) -> {
            int n = aclListNumber(a.require(1, "list number (expected: acl N permit|deny ADDRESS [MASK])"));
            AclEntry entry = AclEntry.parse(a.require(2, "action (expected: acl N permit|deny ADDRESS [MASK])"),
                    a.word(3), a.word(4));
            e.settings().acl(n, e.settings().acl(n).with(entry));
        });
        ci.registerEdit("no acl", (a, e) -> {
            int n = aclListNumber(a.require(2, "list number (expected: no acl N)"));
            e.settings().acl(n, AccessList.EMPTY);
        });

        // ------------------------------------------------------------ files
        ci.registerEdit("log", (a, e) -> {
            if (a.has(1)) {
                e.settings().logFile = a.word(1);
            }
            if (e.settings().logFile != null) {
                e.reply().line(e.settings().logFile);
            }
        });
        ci.registerEdit("no log", (a, e) -> e.settings().logFile = null);
        ci.registerEdit("web_stats", (a, e) -> {
            if (a.has(1)) {
                e.settings().webStatsFile = a.word(1);
            }
            if (e.settings().webStatsFile != null) {
                e.reply().line(e.settings().webStatsFile);
            }
        });
        ci.registerEdit("no web_stats", (a, e) -> e.settings().webStatsFile = null);
        ci.registerRead("write", (a, e) -> {
            String file = a.has(1) ? a.word(1) : node.options().configFile();
            if (file == null) {
                throw ConfigException.of("write", "no file given and no -F file (expected: write FILE)");
            }
            String text = ConfigWriter.write(node.settings().current(), node.options(), node.now());
            e.after(() -> {
                try {
                    Files.writeString(Path.of(file), text, StandardCharsets.ISO_8859_1);
                } catch (IOException ex) {
                    throw new UncheckedIOException(ex);
                }
            });
        });
        ci.registerEdit("include", (a, e) -> {
            Path file = Path.of(a.require(1, "file (expected: include FILE)"));
            List<String> lines;
            try {
                lines = Files.readAllLines(file, StandardCharsets.ISO_8859_1);
            } catch (IOException ex) {
                throw ConfigException.of(file.toString(), "cannot read (" + ex.getMessage() + ")");
            }
            for (int i = 0; i < lines.size(); i++) {
                Args inner = Args.parse(lines.get(i));
                if (inner == null) {
                    continue;
                }
                if ("include".equals(inner.word(0))) {
                    throw ConfigException.of(file + ":" + (i + 1), "nested include is not allowed");
                }
                String reply = e.interpreter().runInline(inner, e);
                if (reply != null) {
                    throw ConfigException.of(file + ":" + (i + 1), reply);
                }
            }
        });

        // ------------------------------------------------------------ connections
        ci.registerRead("connection", (a, e) -> {
            int n = Numbers.parseInt(a.has(1) ? a.word(1) : "0", "connection", Integer.MIN_VALUE, Integer.MAX_VALUE);
            if (n < 0 || n >= Math.max(e.base().connMax, node.connections().highWater())) {
                e.reply().line("Connection " + n + " out of range");
                return;
            }
            ProxyConnection c = node.connections().get(n);
            e.reply().line("Connection " + n + ":");
            if (c == null) {
                e.reply().line("state = 0").line("downfd = -1, upfd = -1").line("client = -1, server = -1").line("pend = 0");
                return;
            }
            e.reply().line("state = " + (c.isEstablished() ? 2 : 1));
            e.reply().line("downfd = " + c.clientFd() + ", upfd = " + c.serverFd());
            e.reply().line("client = " + clientIndex(node, c) + ", server = " + c.serverSlot());
            e.reply().line("pend = " + (c.isEstablished() ? 0 : 1));
        });
        ci.registerRead("close", (a, e) -> {
            int n = Numbers.parseInt(a.has(1) ? a.word(1) : "0", "close", Integer.MIN_VALUE, Integer.MAX_VALUE);
            ProxyConnection c = n < 0 ? null : node.connections().get(n);
            if (n < 0 || n >= Math.max(e.base().connMax, node.connections().highWater())) {
                e.reply().line("Connection " + n + " out of range");
                return;
            }
            e.reply().line("Forcibly closing connection " + n);
            if (c != null) {
                c.close();
            }
        });
        ci.registerRead("socket", (a, e) -> {
            int fd = Numbers.parseInt(a.require(1, "socket number (expected: socket N)"), "socket", Integer.MIN_VALUE,
                    Integer.MAX_VALUE);
            int owner = -1;
            for (ProxyConnection c : node.connections().snapshot()) {
                if (c.clientFd() == fd || c.serverFd() == fd) {
                    owner = c.id();
                    break;
                }
            }
            e.reply().line("Socket " + fd + " belongs to connection " + owner);
        });
    }

    // ---------------------------------------------------------------- helpers

    private static void servers(NodeControl node, Reply r) {
        List<ServerSpec> servers = node.settings().current().servers;
        for (int i = 0; i < servers.size(); i++) {
            ServerSpec s = servers.get(i);
            ServerCounters c = node.counters().get(i);
            if (s.isEmpty()) {
                r.line(i + " addr (unknown address family 0 port 0 conn " + c.connections() + " max 0 hard 0 weight 0 prio 0 sx "
                        + c.sent() + " rx " + c.received());
                continue;
            }
            r.line(i + " addr " + s.addressText() + " port " + s.port() + " conn " + c.connections() + " max "
                    + s.maxConnections() + " hard " + s.hard() + " weight " + s.weight() + " prio " + s.prio() + " sx "
                    + c.sent() + " rx " + c.received());
        }
    }

    private static void recent(NodeControl node, Args a, Exec e) {
        int seconds = a.has(1) ? Numbers.parseInt(a.word(1), "recent", 0, Integer.MAX_VALUE) : 300;
        long since = node.now() - seconds * 1000L;
        for (ClientRecord c : node.clients().snapshot()) {
            if (c.lastSeenMillis() >= since && (seconds > 0 || c.lastSeenMillis() >= node.now())) {
                e.reply().line(c.client() + " connects " + c.connects() + " sx " + c.toClient() + " rx " + c.fromClient());
            }
        }
    }

    private static int clientIndex(NodeControl node, ProxyConnection c) {
        List<ClientRecord> l = node.clients().snapshot();
        for (int i = 0; i < l.size(); i++) {
            if (l.get(i).client().equals(c.clientKey())) {
                return i;
            }
        }
        return -1;
    }

    private static void number(CommandInterpreter ci, String name, Function<Settings.Builder, Integer> get,
                               BiConsumer<Settings.Builder, Integer> set, int min) {
        ci.registerEdit(name, (a, e) -> {
            if (a.has(1)) {
                set.accept(e.settings(), Numbers.parseInt(a.word(1), name, min, Integer.MAX_VALUE));
            }
            e.reply().line(Integer.toString(get.apply(e.settings())));
        });
    }

    /** {@code clients_max}/{@code conn_max}: at run time they only grow (as in Pen); at start any N >= 1. */
    private static void growOnly(CommandInterpreter ci, String name, Function<Settings.Builder, Integer> get,
                                 BiConsumer<Settings.Builder, Integer> set) {
        ci.registerEdit(name, (a, e) -> {
            if (a.has(1)) {
                int v = Numbers.parseInt(a.word(1), name, 1, Integer.MAX_VALUE);
                if (e.origin() != Origin.CONTROL || v > get.apply(e.settings())) {
                    set.accept(e.settings(), v);
                }
            }
            e.reply().line(Integer.toString(get.apply(e.settings())));
        });
    }

    private static void mode(CommandInterpreter ci, String name, BiConsumer<Settings.Builder, Boolean> set) {
        ci.registerEdit(name, (a, e) -> set.accept(e.settings(), true));
        ci.registerEdit("no " + name, (a, e) -> set.accept(e.settings(), false));
    }

    private static void unsupportedMode(CommandInterpreter ci, String name, String what) {
        ci.registerRead(name, (a, e) -> {
            throw ConfigException.of(name, what + " is not supported yet");
        });
        ci.registerRead("no " + name, (a, e) -> { });
    }

    private static ServerSpec special(NodeControl node, Args a, String name) {
        String spec = a.require(1, "server (expected: " + name + " HOST[:PORT])");
        int listenPort = 0;
        String listen = node.listenSpec();
        if (listen != null) {
            try {
                Endpoint l = Endpoint.parse(listen, "0.0.0.0");
                listenPort = l.isUnix() ? 0 : l.inet().getPort();
            } catch (ConfigException ignored) {
                // no usable listen port: the spec must carry one
            }
        }
        return ServerSpec.parseSpecial(spec, listenPort);
    }

    private static int aclNumber(String w) {
        return Numbers.parseInt(w, "acl list", 0, Settings.ACL_LISTS - 1);
    }

    private static int aclListNumber(String w) {
        return Numbers.parseInt(w, "acl list", 0, Settings.ACL_LISTS - 1);
    }

    /** {@code server N key value [key value ...]}: acl address port max hard blacklist weight prio. */
    private static void server(Args a, Exec e) {
        int n = Numbers.parseInt(a.require(1, "server number (expected: server N KEY VALUE ...)"), "server", 0, 65535);
        if (!a.has(2)) {
            throw ConfigException.of("server " + n, "missing key (expected: server N acl|address|port|max|hard|blacklist|weight|prio VALUE ...)");
        }
        Settings.Builder b = e.settings();
        ServerSpec s = b.server(n);
        String host = s.isEmpty() ? null : (s.endpoint().isUnix() ? s.endpoint().unixPath() : s.addressText());
        int port = s.isEmpty() ? 0 : s.port();
        boolean addressChanged = false;
        Integer blacklist = null;
        String sendProxy = null;
        for (int i = 2; i < a.size(); i += 2) {
            String key = a.word(i);
            String v = a.require(i + 1, "value for " + key);
            switch (key) {
                case "acl" -> s = s.withAcl(aclNumber(v));
                case "address" -> {
                    host = v;
                    addressChanged = true;
                }
                case "port" -> {
                    port = Ports.parse(v, "server port");
                    addressChanged = true;
                }
                case "max" -> s = s.withMaxConnections(Numbers.parseInt(v, "max", 0, Integer.MAX_VALUE));
                case "hard" -> s = s.withHard(Numbers.parseInt(v, "hard", 0, Integer.MAX_VALUE));
                case "weight" -> s = s.withWeight(Numbers.parseInt(v, "weight", 0, Integer.MAX_VALUE));
                case "prio" -> s = s.withPrio(Numbers.parseInt(v, "prio", 0, Integer.MAX_VALUE));
                case "blacklist" -> blacklist = Numbers.parseInt(v, "blacklist", 0, Integer.MAX_VALUE);
                case "send_proxy" -> sendProxy = v; // jpen: PROXY protocol towards this server
                default -> throw ConfigException.of(key, "unknown server key (expected: acl|address|port|max|hard|blacklist|weight|prio|send_proxy)");
            }
        }
        if (addressChanged) {
            if (host == null) {
                throw ConfigException.of("server " + n, "port given for a server without address (expected: server N address HOST port PORT)");
            }
            if (host.indexOf('/') >= 0) {
                s = s.withEndpoint(new Endpoint(host, null, host));
            } else {
                if (port == 0) {
                    throw ConfigException.of("server " + n, "address given without port (expected: server N address HOST port PORT)");
                }
                InetAddress ia = Endpoint.resolve(host);
                String spec = (ia.getHostAddress().indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
                s = s.withEndpoint(new Endpoint(spec, new InetSocketAddress(ia, port), null));
            }
        }
        b.server(n, s);
        if (sendProxy != null) {
            DataPlaneCommands.serverSendProxy(b, n, sendProxy);
        }
        if (blacklist != null) {
            final ServerSpec target = s;
            final int seconds = blacklist;
            if (target.isEmpty()) {
                throw ConfigException.of("server " + n, "cannot blacklist an empty slot");
            }
            NodeControl node = e.interpreter().node();
            e.after(() -> {
                long now = node.now();
                long status = seconds == 0 ? 0 : now + seconds * 1000L - node.settings().current().blacklistSeconds * 1000L;
                node.health().setStatus(target.id(), status, "control: server " + n + " blacklist " + seconds);
            });
        }
    }
}
