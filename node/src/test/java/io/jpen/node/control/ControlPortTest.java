package io.jpen.node.control;

import io.jpen.node.config.ConfigException;
import io.jpen.node.testing.FreePorts;
import io.jpen.node.testing.IdentifyingBackend;
import io.jpen.node.testing.InJvmNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.jpen.node.testing.TestClient.whoAnswers;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The control port over real sockets, with Debian's real penctl and with jpen's own client. */
class ControlPortTest {
    private static final String PENCTL = "/usr/bin/penctl";
    private IdentifyingBackend a;
    private IdentifyingBackend b;
    private InJvmNode node;
    private int controlPort;

    @BeforeEach
    void start() throws Exception {
        a = IdentifyingBackend.start("A", "127.0.0.1");
        b = IdentifyingBackend.start("B", "127.0.0.1");
        controlPort = FreePorts.loopback();
        node = InJvmNode.start("-C", Integer.toString(controlPort), "127.0.0.1:" + FreePorts.loopback(), a.spec(), b.spec());
    }

    @AfterEach
    void stop() throws Exception {
        node.close();
        a.close();
        b.close();
    }

    private String penctl(String... words) throws Exception {
        assertThat(Path.of(PENCTL)).as("Debian's penctl (apt-get install pen; .ci/run installs it)").exists();
        List<String> cmd = new java.util.ArrayList<>(List.of(PENCTL, "127.0.0.1:" + controlPort));
        cmd.addAll(List.of(words));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();
        return new String(out, StandardCharsets.ISO_8859_1);
    }

    private static String raw(int port, byte[] request) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(5000);
            s.getOutputStream().write(request);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[8192];
            int n;
            try {
                while ((n = in.read(buf)) > 0) {
                    out.write(buf, 0, n);
                }
            } catch (java.net.SocketException reset) {
                // Pen resets when unread input remains; so may we
            }
            return out.toString(StandardCharsets.ISO_8859_1);
        }
    }

    @Test
    void debiansPenctlGetsPensReplies() throws Exception {
        assertThat(penctl("mode")).isEqualTo("no hash no roundrobin no stubborn no weight no prio\n");
        assertThat(penctl("servers")).startsWith("0 addr 127.0.0.1 port " + a.port() + " conn 0 max 0 hard 0 weight 0 prio 0 sx 0 rx 0\n");
        assertThat(penctl("frobnicate", "1", "2")).isEqualTo("do_cmd: ignoring command starting with 'frobnicate'\n");
        assertThat(penctl("control")).isEqualTo(controlPort + "\n");
        assertThat(penctl("server", "0", "weight", "3")).isEmpty();
        assertThat(penctl("servers")).contains(" weight 3 ");
        assertThat(penctl("pid")).isEqualTo(ProcessHandle.current().pid() + "\n");
    }

    @Test
    void jpensOwnClientPrintsTheReplyLikePenctl() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int rc = ControlClient.run(List.of("127.0.0.1:" + controlPort, "blacklist", "12"), new PrintStream(out), System.err);
        assertThat(rc).isZero();
        assertThat(out.toString()).isEqualTo("12\n");
        assertThat(ControlClient.run(List.of("127.0.0.1:" + FreePorts.loopback(), "mode"), new PrintStream(out), new PrintStream(new ByteArrayOutputStream())))
                .as("nobody listening").isEqualTo(1);
        assertThat(ControlClient.run(List.of("127.0.0.1:" + controlPort, "x".repeat(1100)), new PrintStream(out), new PrintStream(new ByteArrayOutputStream())))
                .as("overlong").isEqualTo(1);
    }

    @Test
    void onlyTheFirstLineCountsAndACarriageReturnEndsIt() throws Exception {
        assertThat(raw(controlPort, "mode\r\n".getBytes())).isEqualTo("no hash no roundrobin no stubborn no weight no prio\n");
        assertThat(raw(controlPort, "blacklist\nmode\n".getBytes())).isEqualTo("30\n");
        assertThat(raw(controlPort, "\n".getBytes())).isEmpty();
    }

    @Test
    void overlongInputIsCutOffCleanly() throws Exception {
        String reply = raw(controlPort, ("z".repeat(5000) + "\n").getBytes());
        assertThat(reply).hasSize(4095).startsWith("do_cmd: ignoring command starting with 'zzz");
        assertThat(raw(controlPort, "mode\n".getBytes())).as("still serving").startsWith("no hash");
    }

    @Test
    void aSilentControlClientDoesNotStallProxying() throws Exception {
        try (Socket silent = new Socket("127.0.0.1", controlPort)) {
            long start = System.nanoTime();
            for (int i = 0; i < 100; i++) {
                assertThat(whoAnswers("127.0.0." + (2 + i % 50), node.address())).isNotNull();
            }
            long millis = (System.nanoTime() - start) / 1_000_000;
            // Pen serves nothing while a control client is silent; 100 requests here take milliseconds each
            assertThat(millis).isLessThan(20_000);
            assertThat(silent.isConnected()).isTrue();
        }
    }

    @Test
    void aDeniedControlClientIsClosedWithoutReply() throws Exception {
        node.control("acl 2 permit 127.0.0.1");
        node.control("control_acl 2");
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.2"), 0));
            s.connect(new InetSocketAddress("127.0.0.1", controlPort), 2000);
            s.setSoTimeout(5000);
            s.getOutputStream().write("servers\n".getBytes());
            int first;
            try {
                first = s.getInputStream().read();
            } catch (java.net.SocketException reset) {
                first = -1;
            }
            assertThat(first).isEqualTo(-1);
        }
        assertThat(raw(controlPort, "control_acl\n".getBytes())).as("127.0.0.1 is permitted").isEqualTo("2\n");
    }

    @Test
    void aBarePortBindsLoopbackOnly() throws Exception {
        // the control port was given as a bare port: it must not be reachable on another local address
        try (Socket s = new Socket()) {
            assertThatThrownBy(() -> s.connect(new InetSocketAddress("127.0.0.2", controlPort), 1000)).isInstanceOf(IOException.class);
        }
    }

    @Test
    void writtenConfigRecreatesServersAndModesAfterARestart(@TempDir Path dir) throws Exception {
        node.control("server 0 weight 3 max 4 hard 6");
        node.control("server 1 prio 2");
        node.control("hash");
        node.control("stubborn");
        node.control("blacklist 17");
        node.control("acl 4 deny 10.0.0.0 255.0.0.0");
        Path file = dir.resolve("written.cfg");
        node.control("write " + file);
        String servers = node.control("servers");
        String mode = node.control("mode");
        node.close();
        node = InJvmNode.start("-F", file.toString(), "127.0.0.1:" + FreePorts.loopback());
        assertThat(node.control("servers")).isEqualTo(servers);
        assertThat(node.control("mode")).isEqualTo(mode);
        assertThat(node.control("blacklist")).isEqualTo("17\n");
        assertThat(node.control("write " + dir.resolve("again.cfg"))).isEmpty();
        assertThat(Files.readString(dir.resolve("again.cfg")).lines().skip(2).toList())
                .isEqualTo(Files.readString(file).lines().skip(2).toList());
    }

    @Test
    void aConfigFileWithAnErrorIsRejectedNamingTheLine(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("bad.cfg");
        Files.writeString(file, "# jpen\nblacklist 10\nserver 0 address 127.0.0.1 port 1\ntimeout x\n");
        assertThatThrownBy(() -> InJvmNode.start("-F", file.toString(), "127.0.0.1:" + FreePorts.loopback()))
                .isInstanceOf(ConfigException.class).hasMessageContaining(file + ":4").hasMessageContaining("'x'");
    }

    @Test
    void aReloadWithABadFileKeepsTheRunningConfiguration(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("farm.cfg");
        Files.writeString(file, "blacklist 11\nserver 0 address 127.0.0.1 port " + a.port() + "\n");
        node.close();
        node = InJvmNode.start("-F", file.toString(), "127.0.0.1:" + FreePorts.loopback());
        assertThat(node.control("blacklist")).isEqualTo("11\n");
        Files.writeString(file, "blacklist 22\nfrobnicate\n");
        node.node().reload();
        Files.writeString(file, "blacklist 33\n");
        node.node().reload();
        await().atMost(Duration.ofSeconds(5)).until(() -> node.control("blacklist").equals("33\n"));
        Files.writeString(file, "blacklist 44\ntimeout 0\n");
        node.node().reload();
        Files.writeString(file, "tracking 5\n");
        node.node().reload();
        await().atMost(Duration.ofSeconds(5)).until(() -> node.control("tracking").equals("5\n"));
        assertThat(node.control("blacklist")).as("the bad file changed nothing").isEqualTo("33\n");
    }

    @Test
    void aConfigFileAloneCanSetListenControlAndNodeNameAndStillReload(@TempDir Path dir) throws Exception {
        int listen = FreePorts.loopback();
        int ctl = FreePorts.loopback();
        Path file = dir.resolve("node.cfg");
        String base = "listen 127.0.0.1:" + listen + "\ncontrol 127.0.0.1:" + ctl + "\nnode_name alpha\n"
                + "server 0 address 127.0.0.1 port " + a.port() + "\n";
        Files.writeString(file, base + "blacklist 5\n");
        node.close();
        node = InJvmNode.start("-F", file.toString());
        assertThat(raw(ctl, "node_name\n".getBytes())).isEqualTo("alpha\n");
        assertThat(raw(ctl, "control\n".getBytes())).isEqualTo("127.0.0.1:" + ctl + "\n");
        assertThat(whoAnswers("127.0.0.2", new InetSocketAddress("127.0.0.1", listen))).isEqualTo("A");
        // SIGHUP re-runs the file: its 'listen' names the address already bound, which must not fail the reload
        Files.writeString(file, base + "blacklist 6\n");
        node.node().reload();
        await().atMost(Duration.ofSeconds(5)).until(() -> raw(ctl, "blacklist\n".getBytes()).equals("6\n"));
        assertThat(raw(ctl, "control 127.0.0.1:1\n".getBytes())).startsWith("error: ");
    }

    @Test
    void includeRunsAnotherFileAtomically(@TempDir Path dir) throws Exception {
        Path inc = dir.resolve("inc.cfg");
        Files.writeString(inc, "blacklist 7\ntracking 9\n");
        assertThat(node.control("include " + inc)).isEmpty();
        assertThat(node.control("tracking")).isEqualTo("9\n");
        Files.writeString(inc, "blacklist 8\ntracking nine\n");
        assertThat(node.control("include " + inc)).startsWith("error: ");
        assertThat(node.control("blacklist")).isEqualTo("7\n");
    }
}
