package io.jpen.node.udp;

import io.jpen.node.testing.Closer;
import io.jpen.node.testing.FreePorts;
import io.jpen.node.testing.InJvmNode;
import io.jpen.node.testing.UdpBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** {@code -U}: datagrams through a real node, several clients, affinity, failover, health check, counters, expiry. */
class UdpBalancingTest {
    @RegisterExtension
    final Closer closer = new Closer();

    private <T extends AutoCloseable> T keep(T r) {
        return closer.keep(r);
    }

    private UdpBackend backend(String name) throws IOException {
        return keep(UdpBackend.start(name));
    }

    private InJvmNode node(String... args) throws IOException {
        List<String> a = new ArrayList<>(List.of("-U"));
        a.addAll(List.of(args));
        return keep(InJvmNode.start(a.toArray(new String[0])));
    }

    private static String listen() {
        return "127.0.0.1:" + FreePorts.loopback(); // a TCP probe; UDP on the same number is free as well in practice
    }

    /** A UDP client bound to {@code host}; {@link #ask} returns the reply and checks where it came from. */
    private final class Client implements AutoCloseable {
        final DatagramSocket socket;
        final InetSocketAddress target;

        Client(String host, InJvmNode n) throws IOException {
            socket = keep(new DatagramSocket(new InetSocketAddress(InetAddress.getByName(host), 0)));
            socket.setSoTimeout(2000);
            target = (InetSocketAddress) n.address();
        }

        /** Sends {@code text}; the reply (null after 2 s), which must come from the balancer's own address. */
        String ask(String text) throws IOException {
            byte[] b = text.getBytes(StandardCharsets.ISO_8859_1);
            socket.send(new DatagramPacket(b, b.length, target));
            byte[] buf = new byte[2048];
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                socket.receive(p);
            } catch (SocketTimeoutException e) {
                return null;
            }
            assertThat(p.getSocketAddress()).as("replies come from the balancer").isEqualTo(target);
            return new String(p.getData(), 0, p.getLength(), StandardCharsets.ISO_8859_1);
        }

        @Override
        public void close() {
            socket.close();
        }
    }

    @Test
    void clientsAreSpreadAndEachStaysWithItsServerAsPenDoes() throws Exception {
        UdpBackend a = backend("A");
        UdpBackend b = backend("B");
        InJvmNode n = node(listen(), a.spec(), b.spec());
        // round robin, first pick server 1 (Pen), then the client table keeps each address on its server
        Client c2 = new Client("127.0.0.2", n);
        Client c3 = new Client("127.0.0.3", n);
        Client c4 = new Client("127.0.0.4", n);
        assertThat(c2.ask("q1")).isEqualTo("B:q1");
        assertThat(c3.ask("q1")).isEqualTo("A:q1");
        assertThat(c4.ask("q1")).isEqualTo("B:q1");
        for (int i = 2; i <= 5; i++) {
            assertThat(c2.ask("q" + i)).isEqualTo("B:q" + i);
            assertThat(c3.ask("q" + i)).isEqualTo("A:q" + i);
        }
        Client c2again = new Client("127.0.0.2", n); // same address, another port: a new flow, same server
        assertThat(c2again.ask("other port")).isEqualTo("B:other port");
        // Pen's counters: every datagram of a live flow is a connection; bytes both ways
        String servers = n.control("servers");
        assertThat(servers).contains("0 addr 127.0.0.1 port " + a.port() + " conn 5 ")
                .contains("1 addr 127.0.0.1 port " + b.port() + " conn 7 ");
        assertThat(servers).contains("sx 10 rx 20\n"); // A: five "qN" in, five "A:qN" out
        assertThat(n.control("recent")).contains("127.0.0.2 connects 2").contains("127.0.0.3 connects 1");
    }

    @Test
    void aServerThatStopsAnsweringIsFoundByTheHealthCheckAndItsClientsFailOver() throws Exception {
        UdpBackend a = backend("A");
        UdpBackend b = backend("B");
        InJvmNode n = node("-o", "udp_check 1 2 1", "-o", "udp_check_send probe", listen(), a.spec(), b.spec());
        Client c = new Client("127.0.0.2", n);
        assertThat(c.ask("x")).isEqualTo("B:x");
        b.mute(true); // alive for the kernel (no ICMP), silent for everyone
        await().atMost(Duration.ofSeconds(10)).until(() -> n.node().proxy().balancer()
                .isBlacklisted(n.node().settings().current().servers.get(1).id()));
        assertThat(c.ask("y")).as("the flow moves to the server still answering").isEqualTo("A:y");
        assertThat(new Client("127.0.0.9", n).ask("new")).isEqualTo("A:new");
        b.mute(false);
        await().atMost(Duration.ofSeconds(10)).until(() -> !n.node().proxy().balancer()
                .isBlacklisted(n.node().settings().current().servers.get(1).id()));
        assertThat(n.control("write /dev/null")).isEmpty();
    }

    @Test
    void aClosedServerPortIsBlacklistedAtOnceByTheIcmpError() throws Exception {
        UdpBackend a = backend("A");
        int closed = FreePorts.loopback();
        InJvmNode n = node(listen(), a.spec(), "127.0.0.1:" + closed);
        Client c = new Client("127.0.0.2", n);
        // the first pick (server 1) answers with ICMP port unreachable: the flow fails over, the client retries
        await().atMost(Duration.ofSeconds(10)).until(() -> "A:r".equals(c.ask("r")));
        assertThat(n.node().proxy().balancer().isBlacklisted(n.node().settings().current().servers.get(1).id())).isTrue();
    }

    @Test
    void idleFlowsAreForgottenAndConnMaxBoundsThem() throws Exception {
        UdpBackend a = backend("A");
        InJvmNode n = node("-x", "2", "-o", "udp_idle_timeout 1", listen(), a.spec());
        Client c1 = new Client("127.0.0.2", n);
        Client c2 = new Client("127.0.0.3", n);
        Client c3 = new Client("127.0.0.4", n);
        assertThat(c1.ask("1")).isEqualTo("A:1");
        assertThat(c2.ask("2")).isEqualTo("A:2");
        assertThat(c3.ask("3")).as("a third flow exceeds -x 2: dropped").isNull();
        await().atMost(Duration.ofSeconds(5)).until(() -> n.node().openConnections() == 0);
        assertThat(n.control("servers")).contains(" conn 0 ");
        assertThat(c3.ask("3")).as("room again").isEqualTo("A:3");
    }

    @Test
    void udpAndTlsDoNotMix() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> node("-E", "/nonexistent.pem", listen(), "127.0.0.1:9"))
                .hasMessageContaining("TLS termination needs TCP");
    }
}
