package io.jpen.node.stats;

import io.jpen.node.affinity.ClientTable.ClientRecord;
import io.jpen.node.config.ServerId;
import io.jpen.node.config.ServerSpec;
import io.jpen.node.config.Settings;
import io.jpen.node.health.HealthBoard;
import io.jpen.node.proxy.ProxyConnection;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Pen's {@code -w} HTML status page (pen-behaviour.md 3.5), same tables and columns: servers (with the raw
 * blacklist stamp in seconds as "status"), active clients, active connections. Built on the control executor.
 */
public final class StatusPage {
    private static final DateTimeFormatter TS = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneId.systemDefault());

    private StatusPage() {
    }

    public static String render(Settings s, ServerCounterTable counters, HealthBoard health, List<ClientRecord> clients,
                                List<ProxyConnection> connections, int current, int highWater, long nowMillis) {
        StringBuilder b = new StringBuilder();
        b.append("<html>\n<head>\n<title>Pen status page</title>\n</head>\n");
        b.append("<body bgcolor=\"#ffffff\"><h1>Pen status page</h1>\n");
        b.append("Time ").append(TS.format(Instant.ofEpochMilli(nowMillis))).append(", ").append(s.servers.size())
                .append(" servers, ").append(current).append(" current<p>\n");
        b.append("<table bgcolor=\"#c0c0c0\">\n");
        header(b, "server", "address", "status", "port", "connections", "max soft", "max hard", "sent", "received",
                "weight", "prio");
        Map<ServerId, Integer> slotOf = new HashMap<>();
        for (int i = 0; i < s.servers.size(); i++) {
            ServerSpec sv = s.servers.get(i);
            ServerCounters c = counters.get(i);
            ServerId id = sv.id();
            if (id != null) {
                slotOf.putIfAbsent(id, i);
            }
            row(b, i, sv.isEmpty() ? "" : sv.addressText(), id == null ? 0 : health.status(id) / 1000, sv.port(),
                    c.connections(), sv.maxConnections(), sv.hard(), c.sent(), c.received(), sv.weight(), sv.prio());
        }
        b.append("</table>\n");
        b.append("<h2>Active clients</h2>Max number of clients: ").append(s.clientsMax)
                .append("<p><table bgcolor=\"#c0c0c0\">\n");
        header(b, "client", "address", "age(secs)", "last server", "connects", "sent", "received");
        for (int i = 0; i < clients.size(); i++) {
            ClientRecord c = clients.get(i);
            Integer slot = c.server() == null ? null : slotOf.get(c.server());
            row(b, i, c.client().toString(), (nowMillis - c.lastSeenMillis()) / 1000, slot == null ? -1 : slot,
                    c.connects(), c.toClient(), c.fromClient());
        }
        b.append("</table>\n");
        b.append("<h2>Active connections</h2>Number of connections: ").append(s.connMax).append(" max, ")
                .append(connections.size()).append(" used, ").append(highWater).append(" last<p>")
                .append("<table bgcolor=\"#c0c0c0\">\n");
        header(b, "connection", "downfd", "upfd", "pending data down", "pending data up", "client", "server");
        for (ProxyConnection c : connections) {
            int clientIndex = -1;
            for (int i = 0; i < clients.size(); i++) {
                if (clients.get(i).client().equals(c.clientKey())) {
                    clientIndex = i;
                    break;
                }
            }
            row(b, c.id(), c.clientFd(), c.serverFd(), c.pendingToClient(), c.pendingToServer(), clientIndex,
                    c.serverSlot());
        }
        b.append("</table>\n</body>\n</html>\n");
        return b.toString();
    }

    private static void header(StringBuilder b, String... names) {
        b.append("<tr>\n");
        for (String n : names) {
            b.append("<td bgcolor=\"#80f080\">").append(n).append("</td>\n");
        }
        b.append("</tr>\n");
    }

    private static void row(StringBuilder b, Object... cells) {
        b.append("<tr>\n");
        for (Object c : cells) {
            b.append("<td>").append(c).append("</td>\n");
        }
        b.append("</tr>\n");
    }

    /** SIGUSR1 without {@code -w}: the same figures as log lines (Pen's version prints garbage for clients). */
    public static String text(Settings s, ServerCounterTable counters, HealthBoard health, List<ClientRecord> clients,
                              int openConnections, long nowMillis) {
        StringBuilder b = new StringBuilder();
        b.append("Time ").append(TS.format(Instant.ofEpochMilli(nowMillis))).append(", ").append(s.servers.size())
                .append(" servers\n");
        for (int i = 0; i < s.servers.size(); i++) {
            ServerSpec sv = s.servers.get(i);
            ServerCounters c = counters.get(i);
            b.append("Server ").append(i).append(": address ").append(sv.isEmpty() ? "-" : sv.addressText())
                    .append(" port ").append(sv.port()).append(" status ")
                    .append(sv.isEmpty() ? 0 : health.status(sv.id()) / 1000).append(", ").append(c.connections())
                    .append(" connections (").append(sv.maxConnections()).append(" soft, ").append(sv.hard())
                    .append(" hard), ").append(c.sent()).append(" sent, ").append(c.received()).append(" received\n");
        }
        b.append("Max number of clients: ").append(s.clientsMax).append(", active clients: ").append(clients.size()).append('\n');
        for (ClientRecord c : clients) {
            b.append("Client ").append(c.client()).append(": last server ").append(c.server()).append(", age ")
                    .append((nowMillis - c.lastSeenMillis()) / 1000).append(" s, ").append(c.connects())
                    .append(" connects, ").append(c.toClient()).append(" sent, ").append(c.fromClient()).append(" received\n");
        }
        b.append("Max number of connections: ").append(s.connMax).append(", active connections: ").append(openConnections).append('\n');
        return b.toString();
    }
}
