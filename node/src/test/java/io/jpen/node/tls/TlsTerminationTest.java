package io.jpen.node.tls;

import io.jpen.node.testing.Closer;
import io.jpen.node.testing.FreePorts;
import io.jpen.node.testing.IdentifyingBackend;
import io.jpen.node.testing.InJvmNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * TLS termination ({@code -E -K -G -R}, {@code ssl_sni_path}) with a PKI made by the test: the client speaks TLS to
 * jpen, the backend gets plain bytes. Certificates are told apart by their CN.
 */
class TlsTerminationTest {
    @TempDir
    static Path pkiDir;
    private static TestPki.Identity server;
    private static TestPki.Identity renewed;
    private static TestPki.Identity ca;
    private static TestPki.Identity client;
    private static TestPki.Identity rogue;
    private static TestPki.Identity siteA;
    private static TestPki.Identity siteB;

    @TempDir
    Path work;
    @RegisterExtension
    final Closer closer = new Closer();

    @BeforeAll
    static void makePki() throws Exception {
        TestPki pki = new TestPki(pkiDir);
        server = pki.selfSigned("jpen-default", "RSA"); // key written as PKCS#1 "RSA PRIVATE KEY"
        renewed = pki.selfSigned("jpen-renewed", "EC");
        ca = pki.ca("test-ca");
        client = pki.signedBy(ca, "good-client");
        rogue = pki.selfSigned("rogue-client", "EC");
        siteA = pki.selfSigned("a.test", "EC");
        siteB = pki.selfSigned("b.test", "EC");
    }

    private <T extends AutoCloseable> T keep(T r) {
        return closer.keep(r);
    }

    private InJvmNode node(String... args) throws IOException {
        return keep(InJvmNode.start(args));
    }

    private IdentifyingBackend backend() throws IOException {
        return keep(IdentifyingBackend.start("A", "127.0.0.1"));
    }

    @Test
    void theClientSpeaksTlsAndTheBackendPlainBytes() throws Exception {
        IdentifyingBackend a = backend();
        InJvmNode n = node("-E", server.certPem().toString(), "-K", server.keyPem().toString(),
                "127.0.0.1:" + FreePorts.loopback(), a.spec());
        try (TlsClient c = keep(TlsClient.connect(n.port(), null, null))) {
            assertThat(c.peerCn()).isEqualTo("jpen-default");
            assertThat(c.protocol()).isIn("TLSv1.3", "TLSv1.2");
            assertThat(c.readLine()).isEqualTo("A");
            c.write("hello through tls\n");
            assertThat(c.readLine()).isEqualTo("hello through tls");
        }
    }

    @Test
    void minusLChoosesTheTlsVersionsAndOldOnesAreRefused() throws Exception {
        IdentifyingBackend a = backend();
        InJvmNode both = node("-E", server.certPem().toString(), "-K", server.keyPem().toString(),
                "127.0.0.1:" + FreePorts.loopback(), a.spec());
        try (TlsClient c = TlsClient.connect(both.port(), null, null, "TLSv1.2")) {
            assertThat(c.protocol()).isEqualTo("TLSv1.2");
            assertThat(c.readLine()).isEqualTo("A");
        }
        InJvmNode only13 = node("-E", server.certPem().toString(), "-K", server.keyPem().toString(), "-L", "tls1.3",
                "127.0.0.1:" + FreePorts.loopback(), a.spec());
        assertThat(refused(() -> TlsClient.connect(only13.port(), null, null, "TLSv1.2"))).isTrue();
        assertThatThrownBy(() -> node("-E", server.certPem().toString(), "-L", "ssl3", "80"))
                .hasMessageContaining("ssl3").hasMessageContaining("not supported");
        assertThatThrownBy(() -> node("-E", server.certPem().toString(), "-L", "foo", "80"))
                .hasMessageContaining("protocol version foo not known");
    }

    @Test
    void sniPicksTheCertificateOfTheNameAskedFor() throws Exception {
        Path sni = Files.createDirectory(work.resolve("sni"));
        for (TestPki.Identity site : List.of(siteA, siteB)) {
            Files.copy(site.certPem(), sni.resolve(site.cn() + ".crt"));
            Files.copy(site.keyPem(), sni.resolve(site.cn() + ".key"));
        }
        IdentifyingBackend a = backend();
        InJvmNode n = node("-E", server.certPem().toString(), "-K", server.keyPem().toString(),
                "-o", "ssl_sni_path " + sni, "127.0.0.1:" + FreePorts.loopback(), a.spec());
        for (String name : List.of("a.test", "b.test", "other.test")) {
            try (TlsClient c = TlsClient.connect(n.port(), name, null)) {
                assertThat(c.peerCn()).as(name).isEqualTo(name.equals("other.test") ? "jpen-default" : name);
                assertThat(c.readLine()).isEqualTo("A");
            }
        }
        try (TlsClient c = TlsClient.connect(n.port(), null, null)) {
            assertThat(c.peerCn()).as("no SNI").isEqualTo("jpen-default");
        }
    }

    @Test
    void aRequiredClientCertificateMustBeSignedByTheCa() throws Exception {
        IdentifyingBackend a = backend();
        InJvmNode n = node("-E", server.certPem().toString(), "-K", server.keyPem().toString(),
                "-G", ca.certPem().toString(), "-R", "127.0.0.1:" + FreePorts.loopback(), a.spec());
        try (TlsClient c = TlsClient.connect(n.port(), null, TestPki.load(client.store()))) {
            assertThat(c.readLine()).as("client signed by the CA").isEqualTo("A");
        }
        assertThat(refused(() -> TlsClient.connect(n.port(), null, null))).as("no client certificate").isTrue();
        assertThat(refused(() -> TlsClient.connect(n.port(), null, TestPki.load(rogue.store())))).as("self-signed client").isTrue();
    }

    @Test
    void sighupReloadsRenewedFilesWithoutDroppingConnectionsAndKeepsTheOldOnBadFiles() throws Exception {
        Path cert = work.resolve("cert.pem");
        Path key = work.resolve("key.pem");
        Files.copy(server.certPem(), cert);
        Files.copy(server.keyPem(), key);
        IdentifyingBackend a = backend();
        InJvmNode n = node("-E", cert.toString(), "-K", key.toString(), "127.0.0.1:" + FreePorts.loopback(), a.spec());
        TlsClient open = keep(TlsClient.connect(n.port(), null, null));
        assertThat(open.peerCn()).isEqualTo("jpen-default");
        assertThat(open.readLine()).isEqualTo("A");

        Files.copy(renewed.certPem(), cert, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.copy(renewed.keyPem(), key, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        n.node().reload(); // what SIGHUP does
        await().atMost(Duration.ofSeconds(10)).until(() -> cnOfNewConnection(n).equals("jpen-renewed"));
        open.write("still here\n");
        assertThat(open.readLine()).as("the connection opened before the reload").isEqualTo("still here");

        Files.writeString(key, "-----BEGIN PRIVATE KEY-----\nbroken\n-----END PRIVATE KEY-----\n");
        long failures = n.node().tls().failedReloads();
        n.node().reload();
        await().atMost(Duration.ofSeconds(10)).until(() -> n.node().tls().failedReloads() > failures);
        assertThat(cnOfNewConnection(n)).as("the previous certificate stays").isEqualTo("jpen-renewed");
        open.write("and here\n");
        assertThat(open.readLine()).isEqualTo("and here");
    }

    @Test
    void theJdkProviderTerminatesAndVerifiesClientsToo() throws Exception {
        IdentifyingBackend a = backend();
        System.setProperty("jpen.tls.provider", "jdk");
        InJvmNode n;
        try {
            n = node("-E", server.certPem().toString(), "-K", server.keyPem().toString(), "-G", ca.certPem().toString(),
                    "-R", "127.0.0.1:" + FreePorts.loopback(), a.spec());
        } finally {
            System.clearProperty("jpen.tls.provider");
        }
        assertThat(n.node().tls().current().provider()).isEqualTo("jdk");
        try (TlsClient c = TlsClient.connect(n.port(), null, TestPki.load(client.store()))) {
            assertThat(c.peerCn()).isEqualTo("jpen-default");
            assertThat(c.readLine()).isEqualTo("A");
        }
        assertThat(refused(() -> TlsClient.connect(n.port(), null, TestPki.load(rogue.store())))).isTrue();
    }

    @Test
    void missingOrMismatchedFilesStopTheStartNamingTheFile() {
        String listen = "127.0.0.1:" + FreePorts.loopback();
        Path missing = work.resolve("nope.pem");
        assertThatThrownBy(() -> node("-E", missing.toString(), listen, "127.0.0.1:9"))
                .hasMessageContaining(missing.toString()).hasMessageContaining("cannot read");
        assertThatThrownBy(() -> node("-E", server.certPem().toString(), "-K", renewed.keyPem().toString(), listen, "127.0.0.1:9"))
                .hasMessageContaining(renewed.keyPem().toString()).hasMessageContaining("does not match");
        assertThatThrownBy(() -> node("-E", server.certPem().toString(), listen, "127.0.0.1:9"))
                .as("no -K and no key in the certificate file").hasMessageContaining("no private key");
    }

    @Test
    void forwardedProtoSaysHttpsBehindTls() throws Exception {
        try (var http = io.jpen.node.http.HttpEchoBackend.start()) {
            InJvmNode n = node("-H", "-E", server.certPem().toString(), "-K", server.keyPem().toString(),
                    "127.0.0.1:" + FreePorts.loopback(), http.spec());
            try (TlsClient c = TlsClient.connect(n.port(), null, null)) {
                c.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
                String head = io.jpen.node.http.HttpEchoBackend.readResponseBody(c.in);
                assertThat(head).contains("X-Forwarded-Proto: https\r\n").contains("X-Forwarded-For: 127.0.0.1\r\n");
            }
        }
    }

    private static String cnOfNewConnection(InJvmNode n) throws Exception {
        try (TlsClient c = TlsClient.connect(n.port(), null, null)) {
            return c.peerCn();
        }
    }

    private interface Attempt {
        TlsClient run() throws Exception;
    }

    /** True if the server refused the handshake: it fails, or the first read fails or ends. */
    private static boolean refused(Attempt a) {
        try (TlsClient c = a.run()) {
            return c.readLine() == null;
        } catch (Exception e) {
            return true;
        }
    }

    /** A blocking TLS client that trusts any server (the test checks the certificate's CN itself). */
    static final class TlsClient implements AutoCloseable {
        final SSLSocket socket;
        final BufferedReader in;

        private TlsClient(SSLSocket socket) throws IOException {
            this.socket = socket;
            this.in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
        }

        static TlsClient connect(int port, String sni, KeyStore keys, String... protocols) throws Exception {
            SSLContext ctx = SSLContext.getInstance("TLS");
            KeyManagerFactory kmf = null;
            if (keys != null) {
                kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(keys, TestPki.PASS);
            }
            ctx.init(kmf == null ? null : kmf.getKeyManagers(), new TrustManager[] {new TrustAll()}, null);
            SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket();
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(5000);
            SSLParameters p = s.getSSLParameters();
            if (sni != null) {
                p.setServerNames(List.of(new SNIHostName(sni)));
            }
            if (protocols.length > 0) {
                p.setProtocols(protocols);
            }
            s.setSSLParameters(p);
            s.startHandshake();
            return new TlsClient(s);
        }

        String peerCn() throws Exception {
            X509Certificate c = (X509Certificate) socket.getSession().getPeerCertificates()[0];
            return c.getSubjectX500Principal().getName().replaceFirst("^CN=", "");
        }

        String protocol() {
            return socket.getSession().getProtocol();
        }

        String readLine() throws IOException {
            return in.readLine();
        }

        void write(String s) throws IOException {
            socket.getOutputStream().write(s.getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    private static final class TrustAll implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
