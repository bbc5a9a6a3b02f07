package io.jpen.node.health;

import io.jpen.node.config.ServerId;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

/**
 * Asks "can this node open a TCP connection to that server now?", off the event loops: one daemon thread, one
 * blocking connect at a time, bounded by the node's connect timeout ({@code -t}). It answers for the path from this
 * host, which is what a blacklisting made or reported elsewhere (another node, or this node while its own link was
 * down) cannot tell.
 *
 * <p>A server already waiting for a check is not queued twice; at most {@value #MAX_QUEUED} checks wait, further
 * ones are refused (the blacklisting then simply stands). Unix-socket servers are never checked.
 */
public final class ConnectCheck implements AutoCloseable {
    static final int MAX_QUEUED = 256;

    /** What a check found. Called on the check thread. */
    public interface Result {
        void reached(long millis);

        void unreachable(String why);
    }

    private final IntSupplier timeoutMillis;
    private final ThreadPoolExecutor thread;
    private final Set<ServerId> queued = ConcurrentHashMap.newKeySet();

    /** @param timeoutMillis the connect timeout of one check (at least 100 ms is used) */
    public ConnectCheck(String threadName, IntSupplier timeoutMillis) {
        this.timeoutMillis = timeoutMillis;
        this.thread = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Checks {@code server}; returns false (and calls nothing) when it is not an IP server, is already queued, or too
     * many checks wait.
     */
    public boolean submit(ServerId server, Result result) {
        InetSocketAddress a = address(server);
        if (a == null || thread.getQueue().size() >= MAX_QUEUED || !queued.add(server)) {
            return false;
        }
        try {
            thread.execute(() -> run(server, a, result));
            return true;
        } catch (RejectedExecutionException closed) {
            queued.remove(server);
            return false;
        }
    }

    private void run(ServerId server, InetSocketAddress a, Result result) {
        queued.remove(server);
        long start = System.nanoTime();
        try (Socket s = new Socket()) {
            s.connect(a, Math.max(100, timeoutMillis.getAsInt()));
        } catch (IOException e) {
            result.unreachable(String.valueOf(e.getMessage()));
            return;
        }
        result.reached((System.nanoTime() - start) / 1_000_000);
    }

    /** The server's socket address if it is an IP one (a Unix socket is local to each node: nothing to check). */
    public static InetSocketAddress address(ServerId server) {
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
        thread.shutdownNow();
    }
}
