package io.jpen.node.proxy;

import io.jpen.node.testing.Blackhole;
import io.jpen.node.testing.Closer;
import io.jpen.node.testing.FreePorts;
import io.jpen.node.testing.IdentifyingBackend;
import io.jpen.node.testing.InJvmNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static io.jpen.node.testing.TestClient.whoAnswers;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Pen's connection settings with Pen's semantics: idle_timeout, tcp_fastclose, pending_max, tcp_nodelay. */
class PenConnectionSettingsTest {
    @RegisterExtension
    final Closer closer = new Closer();

    private <T extends AutoCloseable> T keep(T r) {
        return closer.keep(r);
    }

    private InJvmNode node(String... args) throws IOException {
        return keep(InJvmNode.start(args));
    }

    private static String listen() {
        return "127.0.0.1:" + FreePorts.loopback();
    }

    private Socket connect(InJvmNode n) throws IOException {
        Socket s = keep(new Socket());
        s.connect(n.address(), 5000);
        s.setSoTimeout(5000);
        return s;
    }

    @Test
    void idleTimeoutClosesSilentConnectionsAndSparesBusyOnes() throws Exception {
        IdentifyingBackend a = keep(IdentifyingBackend.start("A", "127.0.0.1"));
        InJvmNode n = node("-o", "idle_timeout 1", listen(), a.spec());
        Socket silent = connect(n);
        Socket busy = connect(n);
        assertThat(ProxyIntegrationTest.readLine(silent)).isEqualTo("A");
        assertThat(ProxyIntegrationTest.readLine(busy)).isEqualTo("A");
        long start = System.nanoTime();
        await().during(Duration.ofMillis(2500)).atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(250))
                .until(() -> echoes(busy));
        assertThat(silent.getInputStream().read()).as("the silent one was closed").isEqualTo(-1);
        assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(5000);
    }

    private static boolean echoes(Socket s) throws IOException {
        s.getOutputStream().write("x\n".getBytes(StandardCharsets.US_ASCII));
        return "x".equals(ProxyIntegrationTest.readLine(s));
    }

    @Test
    void tcpFastcloseDownClosesBothSidesWhenTheClientFinishes() throws Exception {
        try (ServerSocket late = new ServerSocket()) {
            late.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            Thread t = new Thread(() -> replyAfterEof(late), "late-reply-backend");
            t.setDaemon(true);
            t.start();
            InJvmNode n = node(listen(), "127.0.0.1:" + late.getLocalPort());
            Socket normal = connect(n);
            normal.shutdownOutput();
            assertThat(ProxyIntegrationTest.readLine(normal)).as("default: half-close, the reply still arrives").isEqualTo("bye");

            assertThat(n.control("tcp_fastclose down")).isEmpty();
            Socket fast = connect(n);
            fast.getOutputStream().write("data\n".getBytes(StandardCharsets.US_ASCII));
            fast.shutdownOutput();
            InputStream in = fast.getInputStream();
            int c;
            try {
                c = in.read();
            } catch (IOException reset) {
                c = -1;
            }
            assertThat(c).as("fastclose down: both sides closed on the client's EOF, no late reply").isEqualTo(-1);
        }
    }

    /** Reads each connection to its end, then answers "bye" and closes. */
    private static void replyAfterEof(ServerSocket server) {
        while (!server.isClosed()) {
            try (Socket s = server.accept()) {
                s.getInputStream().readAllBytes();
                OutputStream out = s.getOutputStream();
                out.write("bye\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
            } catch (IOException e) {
                // next
            }
        }
    }

    @Test
    void pendingMaxPausesAcceptingWhileUpstreamConnectsAreInProgress() throws Exception {
        IdentifyingBackend a = keep(IdentifyingBackend.start("A", "127.0.0.1"));
        Blackhole hole = keep(new Blackhole());
        InJvmNode n = node("-t", "2", "-o", "pending_max 1", listen(), a.spec(), hole.spec());
        // the first round-robin pick is server 1, the black hole: its connect hangs for -t 2 seconds
        CompletableFuture<String> first = CompletableFuture.supplyAsync(() -> whoAnswers("127.0.0.2", n.address(), 10_000));
        await().atMost(Duration.ofSeconds(5)).until(() -> n.node().openConnections() == 1);
        long start = System.nanoTime();
        assertThat(whoAnswers("127.0.0.3", n.address(), 10_000)).isEqualTo("A");
        long waited = (System.nanoTime() - start) / 1_000_000;
        assertThat(waited).as("not accepted while the one connect was pending").isGreaterThan(800);
        assertThat(first.get()).as("failed over after the timeout").isEqualTo("A");
    }

    @Test
    void tcpNodelayAppliesToBothSocketsOfNewConnections() throws Exception {
        IdentifyingBackend a = keep(IdentifyingBackend.start("A", "127.0.0.1"));
        InJvmNode n = node(listen(), a.spec());
        assertThat(nodelay(n)).as("jpen's default: on").containsExactly(true, true);
        n.control("no tcp_nodelay");
        assertThat(nodelay(n)).containsExactly(false, false);
    }

    private List<Boolean> nodelay(InJvmNode n) throws Exception {
        try (Socket s = new Socket()) {
            s.connect(n.address(), 5000);
            s.setSoTimeout(5000);
            assertThat(ProxyIntegrationTest.readLine(s)).isEqualTo("A");
            ProxyConnection c = n.node().connections().snapshot().get(0);
            return List.of(c.clientChannel().config().getOption(io.netty.channel.ChannelOption.TCP_NODELAY),
                    c.serverChannel().config().getOption(io.netty.channel.ChannelOption.TCP_NODELAY));
        } finally {
            await().atMost(Duration.ofSeconds(5)).until(() -> n.node().openConnections() == 0);
        }
    }

}
