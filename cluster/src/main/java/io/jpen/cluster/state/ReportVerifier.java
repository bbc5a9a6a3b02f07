package io.jpen.cluster.state;

import io.jpen.node.config.ServerId;
import io.jpen.node.health.HealthBoard;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntSupplier;

/**
 * Checks a peer's automatic blacklisting (a connect failure or timeout it saw) from this node: one TCP connect to
 * the server. If it connects, the blacklisting is lifted on this node only, and the shared entry stays as the peer
 * wrote it (that peer may really not reach the server).
 *
 * <p>Why: a node whose own link is cut, or that is partitioned away from the backends, sees every backend fail and
 * reports them all; when its link returns, those reports arrive fresh and would make every other node refuse all
 * clients for the blacklist time. A report is hearsay about a path from another host; a connect from here is
 * evidence about ours. The report is applied at once (a dead backend is avoided without delay) and withdrawn here
 * within a connect round trip when it does not hold from this node. Operators' blacklistings are never checked.
 *
 * <p>One daemon thread, blocking connects bounded by the node's connect timeout ({@code -t}); a server already
 * waiting for a check is not queued twice, and a full queue drops the check (the report then simply stands).
 */
final class ReportVerifier implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger("jpen.cluster");

    private record Check(ServerId server, long status, String by) {
    }

    private final HealthBoard local;
    private final IntSupplier timeoutMillis;
    private final String label;
    private final ClusterStats stats;
    private final BlockingQueue<Check> queue = new ArrayBlockingQueue<>(256);
    private final Set<ServerId> queued = ConcurrentHashMap.newKeySet();
    private final Thread thread;
    private volatile boolean closed;

    /**
     * @param local         the node's own board (not the shared one: a lifted blacklisting is not published)
     * @param timeoutMillis the connect timeout of a check (the node's {@code -t})
     */
    ReportVerifier(HealthBoard local, IntSupplier timeoutMillis, String label, ClusterStats stats) {
        this.local = local;
        this.timeoutMillis = timeoutMillis;
        this.label = label;
        this.stats = stats;
        this.thread = new Thread(this::run, "jpen-cluster-verify");
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** A peer's blacklisting of {@code server} with this status stamp was just applied here: check it. */
    void check(ServerId server, long status, String by) {
        if (address(server) == null || !queued.add(server)) {
            return;
        }
        if (!queue.offer(new Check(server, status, by))) {
            queued.remove(server);
        }
    }

    private void run() {
        while (!closed) {
            Check c;
            try {
                c = queue.take();
            } catch (InterruptedException e) {
                return;
            }
            queued.remove(c.server);
            InetSocketAddress a = address(c.server);
            long start = System.nanoTime();
            try (Socket s = new Socket()) {
                s.connect(a, Math.max(100, timeoutMillis.getAsInt()));
            } catch (IOException e) {
                stats.reportsChecked.increment();
                log.debug("cluster[{}]: server {}: blacklisting by {} confirmed from here ({})", label, c.server, c.by,
                        e.getMessage());
                continue;
            }
            long ms = (System.nanoTime() - start) / 1_000_000;
            if (local.status(c.server) != c.status) {
                stats.reportsChecked.increment();
                continue; // changed meanwhile (a failure here, an operator, a newer report): that one stands
            }
            local.setStatus(c.server, 0, "reached from here in " + ms + " ms, although " + c.by + " reported it");
            stats.reportsLifted.increment();
            stats.reportsChecked.increment();
            log.info("cluster[{}]: server {}: blacklisting by {} lifted on this node: connected to it in {} ms (the "
                    + "fault is on that node's path)", label, c.server, c.by, ms);
        }
    }

    /** The server's socket address if it is an IP one (a Unix socket is local to each node: nothing to check). */
    static InetSocketAddress address(ServerId server) {
        String v = server.value();
        int colon = v.lastIndexOf(':');
        if (v.startsWith("/") || colon <= 0) {
            return null;
        }
        String host = v.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        try {
            int port = Integer.parseInt(v.substring(colon + 1));
            // an address literal (ServerId is canonical): no name lookup happens here
            return new InetSocketAddress(InetAddress.getByName(host), port);
        } catch (NumberFormatException | IOException e) {
            return null;
        }
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
    }
}
