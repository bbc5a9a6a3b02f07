package io.jpen.node.proxy;

import io.jpen.node.testing.FreePorts;
import io.jpen.node.testing.IdentifyingBackend;
import io.jpen.node.testing.InJvmNode;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Bytes are forwarded exactly, half-close included, and a slow reader does not make the node buffer without bound. */
class ByteStreamTest {
    private static final long HUNDRED_MB = 100L * 1024 * 1024;

    @Test
    void hundredMegabytesEachWayArriveUnchangedAndHalfCloseIsForwarded() throws Exception {
        try (IdentifyingBackend echo = IdentifyingBackend.start("E", "127.0.0.1").echoOnly();
             InJvmNode n = InJvmNode.start("127.0.0.1:" + FreePorts.loopback(), echo.spec());
             Socket s = new Socket()) {
            s.connect(n.address(), 5000);
            MessageDigest sent = MessageDigest.getInstance("SHA-256");
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    OutputStream out = s.getOutputStream();
                    Random r = new Random(42);
                    byte[] buf = new byte[256 * 1024];
                    for (long done = 0; done < HUNDRED_MB; done += buf.length) {
                        r.nextBytes(buf);
                        sent.update(buf);
                        out.write(buf);
                    }
                    s.shutdownOutput(); // half-close: we still expect the whole echo back
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            MessageDigest received = MessageDigest.getInstance("SHA-256");
            InputStream in = s.getInputStream();
            byte[] buf = new byte[256 * 1024];
            long total = 0;
            int k;
            s.setSoTimeout(60_000);
            while ((k = in.read(buf)) > 0) {
                received.update(buf, 0, k);
                total += k;
            }
            writer.get(60, TimeUnit.SECONDS);
            assertThat(total).isEqualTo(HUNDRED_MB);
            assertThat(received.digest()).isEqualTo(sent.digest());
        }
    }

    @Test
    void aSlowReaderStopsTheBackendInsteadOfGrowingTheNodesBuffers() throws Exception {
        AtomicLong written = new AtomicLong();
        try (ServerSocket firehose = new ServerSocket()) {
            firehose.bind(new InetSocketAddress("127.0.0.1", 0));
            Thread t = new Thread(() -> {
                try (Socket c = firehose.accept()) {
                    OutputStream out = c.getOutputStream();
                    byte[] chunk = new byte[64 * 1024];
                    for (int i = 0; i < 4096; i++) { // at most 256 MiB
                        out.write(chunk);
                        written.addAndGet(chunk.length);
                    }
                } catch (Exception ignored) {
                    // the test closes the connection
                }
            }, "firehose");
            t.setDaemon(true);
            t.start();
            try (InJvmNode n = InJvmNode.start("127.0.0.1:" + FreePorts.loopback(), "127.0.0.1:" + firehose.getLocalPort());
                 Socket s = new Socket()) {
                s.setReceiveBufferSize(64 * 1024);
                s.connect(n.address(), 5000);
                // never read: the backend must stall once the socket buffers and one high-water mark are full
                await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200))
                        .until(() -> stable(written));
                long pending = n.node().connections().snapshot().get(0).pendingToClient();
                assertThat(pending).as("bytes the node holds for the slow client").isLessThan(2L * 1024 * 1024);
                assertThat(written.get()).as("the backend was stopped long before 256 MiB").isLessThan(64L * 1024 * 1024);
            }
        }
    }

    private long last = -1;

    private boolean stable(AtomicLong counter) {
        long now = counter.get();
        boolean same = now > 0 && now == last;
        last = now;
        return same;
    }
}
