package io.jpen.node.proxy;

import io.jpen.node.testing.Blackhole;
import io.jpen.node.testing.Closer;
import io.jpen.node.testing.FreePorts;
import io.jpen.node.testing.IdentifyingBackend;
import io.jpen.node.testing.InJvmNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static io.jpen.node.testing.TestClient.whoAnswers;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A real node on loopback with self-identifying backends: which backend answers which client, and failover. */
class ProxyIntegrationTest {
    @RegisterExtension
    final Closer closer = new Closer();

    private <T extends AutoCloseable> T keep(T r) {
        return closer.keep(r);
    }

    private IdentifyingBackend backend(String name) throws IOException {
        return keep(IdentifyingBackend.start(name, "127.0.0.1"));
    }

    private InJvmNode node(String... args) throws IOException {
        List<String> a = new ArrayList<>(List.of(args));
        return keep(InJvmNode.start(a.toArray(new String[0])));
    }

    private static String listen() {
        return "127.0.0.1:" + FreePorts.loopback();
    }

    @Test
    void clientsAreSpreadAndRememberedExactlyAsPenDoes() throws Exception {
        IdentifyingBackend a = backend("A");
        IdentifyingBackend b = backend("B");
        InJvmNode n = node(listen(), a.spec(), b.spec());
        // Pen 0.34.1, same rig: three requests from .1 then one each from .2 to .5 gave B B B A B A B
        List<String> got = new ArrayList<>();
        for (String src : List.of("127.0.0.1", "127.0.0.1", "127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5")) {
            got.add(whoAnswers(src, n.address()));
        }
        assertThat(got).containsExactly("B", "B", "B", "A", "B", "A", "B");
    }

    @Test
    void hashSendsEachAddressToItsOwnServer() throws Exception {
        IdentifyingBackend a = backend("A");
        IdentifyingBackend b = backend("B");
        IdentifyingBackend c = backend("C");
        InJvmNode n = node("-h", "-r", listen(), a.spec(), b.spec(), c.spec());
        // -r: no client table, so only the hash decides; with the port mixed in the spread must still be deterministic per
        // connection, so check plain -h separately below
        assertThat(whoAnswers("127.0.0.2", n.address())).isIn("A", "B", "C");
        InJvmNode h = node("-h", listen(), a.spec(), b.spec(), c.spec());
        String[] names = {"A", "B", "C"};
        for (int x = 2; x <= 7; x++) {
            assertThat(whoAnswers("127.0.0." + x, h.address())).as("127.0.0.%d", x).isEqualTo(names[(1 + x) % 3]);
        }
    }

    @Test
    void aRefusingBackendIsBlacklistedAndItsClientFailsOver() throws Exception {
        IdentifyingBackend a = backend("A");
        String refusing = "127.0.0.1:" + FreePorts.loopback();
        InJvmNode n = node(listen(), a.spec(), refusing);
        // round robin's first pick is server 1, which refuses: the client must still be served, by A
        assertThat(whoAnswers("127.0.0.2", n.address())).isEqualTo("A");
        assertThat(n.node().proxy().balancer().isBlacklisted(n.node().settings().current().servers.get(1).id())).isTrue();
        // and many refused connects never stop the node from accepting (Pen 0.34.1's pending_max leak)
        n.control("pending_max 3");
        n.control("server 1 blacklist 0");
        n.control("blacklist 0");
        for (int i = 0; i < 20; i++) {
            assertThat(whoAnswers("127.0.0." + (10 + i), n.address())).isEqualTo("A");
        }
    }

    @Test
    void aBlackholedBackendFailsOverAfterTheConnectTimeout() throws Exception {
        IdentifyingBackend a = backend("A");
        Blackhole hole = keep(new Blackhole());
        InJvmNode n = node("-t", "1", listen(), a.spec(), hole.spec());
        long start = System.nanoTime();
        assertThat(whoAnswers("127.0.0.2", n.address(), 10_000)).isEqualTo("A");
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertThat(millis).as("failover after about -t 1").isBetween(900L, 4000L);
        assertThat(whoAnswers("127.0.0.3", n.address())).as("blackhole now blacklisted: no wait").isEqualTo("A");
    }

    @Test
    void everyServerDownSendsClientsToTheEmergencyServer() throws Exception {
        IdentifyingBackend e = backend("E");
        InJvmNode n = node("-e", e.spec(), listen(), "127.0.0.1:" + FreePorts.loopback(), "127.0.0.1:" + FreePorts.loopback());
        assertThat(whoAnswers("127.0.0.2", n.address())).isEqualTo("E");
        assertThat(whoAnswers("127.0.0.3", n.address())).isEqualTo("E");
    }

    @Test
    void everyServerDownWithoutEmergencyClosesTheClient() throws Exception {
        InJvmNode n = node(listen(), "127.0.0.1:" + FreePorts.loopback(), "127.0.0.1:" + FreePorts.loopback());
        assertThat(whoAnswers("127.0.0.2", n.address())).isNull();
        assertThat(whoAnswers("127.0.0.2", n.address())).as("and the node keeps serving").isNull();
        IdentifyingBackend a = backend("A");
        n.control("server 0 address 127.0.0.1 port " + a.port());
        n.control("server 0 blacklist 0");
        assertThat(whoAnswers("127.0.0.3", n.address())).isEqualTo("A");
    }

    @Test
    void connMaxMakesFurtherClientsWaitInTheBacklogNotRefused() throws Exception {
        IdentifyingBackend a = backend("A");
        InJvmNode n = node("-x", "2", listen(), a.spec());
        Socket s1 = keep(connectAndRead(n, "A"));
        Socket s2 = keep(connectAndRead(n, "A"));
        Socket s3 = keep(new Socket());
        s3.connect(n.address(), 2000); // the kernel accepts it into the backlog
        s3.setSoTimeout(300);
        assertThat(readLine(s3)).as("no backend yet").isNull();
        s1.close();
        s3.setSoTimeout(5000);
        assertThat(readLine(s3)).isEqualTo("A");
        assertThat(s2.isConnected()).isTrue();
    }

    @Test
    void fiveHundredConcurrentConnectionsAreAllServed() throws Exception {
        IdentifyingBackend a = backend("A");
        IdentifyingBackend b = backend("B");
        InJvmNode n = node("-r", listen(), a.spec(), b.spec());
        List<Socket> open = new ArrayList<>();
        try {
            for (int i = 0; i < 500; i++) {
                Socket s = new Socket();
                s.connect(n.address(), 5000);
                open.add(s);
            }
            int served = 0;
            for (Socket s : open) {
                s.setSoTimeout(10_000);
                if (readLine(s) != null) {
                    served++;
                }
            }
            assertThat(served).isEqualTo(500);
            assertThat(n.node().openConnections()).isEqualTo(500);
        } finally {
            for (Socket s : open) {
                s.close();
            }
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> n.node().openConnections() == 0);
        assertThat(a.connections() + b.connections()).isEqualTo(500);
    }

    private static Socket connectAndRead(InJvmNode n, String expect) throws IOException {
        Socket s = new Socket();
        s.connect(n.address(), 2000);
        s.setSoTimeout(5000);
        assertThat(readLine(s)).isEqualTo(expect);
        return s;
    }

    /** Reads one line, or null on timeout/EOF. */
    static String readLine(Socket s) {
        try {
            StringBuilder b = new StringBuilder();
            int c;
            while ((c = s.getInputStream().read()) >= 0 && c != '\n') {
                b.append((char) c);
            }
            return c < 0 && b.length() == 0 ? null : b.toString();
        } catch (IOException e) {
            return null;
        }
    }

    @Test
    void unixSocketListenerAndBackendWork() throws Exception {
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("jpen-unix");
        String backendPath = dir.resolve("backend.sock").toString();
        String listenPath = dir.resolve("jpen.sock").toString();
        try (var backend = UnixEcho.start(backendPath, "U")) {
            InJvmNode n = node(listenPath, backendPath);
            assertThat(UnixEcho.whoAnswers(listenPath)).isEqualTo("U");
            assertThat(n.control("servers")).startsWith("0 addr " + backendPath + " port 1 ");
        }
    }

    @Test
    void anIpv6ListenerForwardsToIpv4Backends() throws Exception {
        IdentifyingBackend a = backend("A");
        int port = FreePorts.on("::1");
        node("[::1]:" + port, a.spec());
        assertThat(whoAnswers("::1", new InetSocketAddress("::1", port))).isEqualTo("A");
    }
}
