package io.jpen.node.control;

import io.jpen.node.testing.FreePorts;
import io.jpen.node.testing.IdentifyingBackend;
import io.jpen.node.testing.InJvmNode;
import io.jpen.node.testing.TestClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.time.Duration;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Every control command's reply, byte for byte against Pen 0.34.1's recorded output (pen-behaviour.md 3.2-3.3). */
class ControlCommandsTest {
    private IdentifyingBackend a;
    private IdentifyingBackend b;
    private InJvmNode node;

    @BeforeEach
    void start() throws Exception {
        a = IdentifyingBackend.start("A", "127.0.0.1");
        b = IdentifyingBackend.start("B", "127.0.0.1");
        node = InJvmNode.start("127.0.0.1:" + FreePorts.loopback(), a.spec(), b.spec());
    }

    @AfterEach
    void stop() throws Exception {
        node.close();
        a.close();
        b.close();
    }

    @Test
    void freshNodeRepliesLikeFreshPen() {
        assertThat(node.control("mode")).isEqualTo("no hash no roundrobin no stubborn no weight no prio\n");
        assertThat(node.control("clients_max")).isEqualTo("2048\n");
        assertThat(node.control("conn_max")).isEqualTo("500\n");
        assertThat(node.control("blacklist")).isEqualTo("30\n");
        assertThat(node.control("timeout")).isEqualTo("3\n");
        assertThat(node.control("tracking")).isEqualTo("0\n");
        assertThat(node.control("debug")).isEqualTo("0\n");
        assertThat(node.control("client_acl")).isEqualTo("0\n");
        assertThat(node.control("control_acl")).isEqualTo("0\n");
        assertThat(node.control("log")).isEmpty();
        assertThat(node.control("web_stats")).isEmpty();
        assertThat(node.control("status")).isEqualTo("Unable to create webstats\n");
        assertThat(node.control("idle_timeout")).isEqualTo("Idle timeout: 0 seconds\n");
        assertThat(node.control("exit")).isEqualTo("Exit is not enabled; restart with -X flag\n");
        assertThat(node.control("pid")).isEqualTo(ProcessHandle.current().pid() + "\n");
        assertThat(node.control("connection 999")).isEqualTo("Connection 999 out of range\n");
        assertThat(node.control("socket 5")).isEqualTo("Socket 5 belongs to connection -1\n");
    }

    @Test
    void serversListsEverySlotWithCounters() {
        String ab = "0 addr 127.0.0.1 port " + a.port() + " conn 0 max 0 hard 0 weight 0 prio 0 sx 0 rx 0\n"
                + "1 addr 127.0.0.1 port " + b.port() + " conn 0 max 0 hard 0 weight 0 prio 0 sx 0 rx 0\n";
        assertThat(node.control("servers")).isEqualTo(ab);
        assertThat(TestClient.whoAnswers("127.0.0.1", node.address())).isEqualTo("B");
        // the connection closes asynchronously after the client hung up
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(node.control("servers"))
                .contains("1 addr 127.0.0.1 port " + b.port() + " conn 0 max 0 hard 0 weight 0 prio 0 sx 0 rx 2\n"));
    }

    @Test
    void settersReplyWithTheNewValueAndTakeEffect() {
        assertThat(node.control("blacklist 10")).isEqualTo("10\n");
        assertThat(node.control("timeout 5 extra")).isEqualTo("5\n");
        assertThat(node.control("hash")).isEmpty();
        assertThat(node.control("mode")).isEqualTo("hash no roundrobin no stubborn no weight no prio\n");
        assertThat(node.control("no hash")).isEmpty();
        assertThat(node.control("clients_max 10")).as("only grows at run time").isEqualTo("2048\n");
        assertThat(node.control("clients_max 5000")).isEqualTo("5000\n");
        assertThat(node.control("idle_timeout 7")).isEqualTo("Idle timeout: 7 seconds\n");
    }

    @Test
    void unknownCommandsAreIgnoredWithPensMessage() {
        assertThat(node.control("frobnicate 1 2")).isEqualTo("do_cmd: ignoring command starting with 'frobnicate'\n");
        assertThat(node.control("MODE")).isEqualTo("do_cmd: ignoring command starting with 'MODE'\n");
        assertThat(node.control("timeout\t5")).isEqualTo("do_cmd: ignoring command starting with 'timeout\t5'\n");
    }

    @Test
    void emptyLinesAndCommentsGetNoReply() {
        assertThat(node.control("")).isEmpty();
        assertThat(node.control("# comment")).isEmpty();
    }

    @Test
    void longReplyLinesAreCutAt4095Bytes() {
        String reply = node.control("z".repeat(5000));
        assertThat(reply).hasSize(4095).doesNotEndWith("\n");
        String shorter = node.control("z".repeat(100));
        assertThat(shorter).hasSize(142).endsWith("zzz'\n");
    }

    @Test
    void malformedArgumentsGetAnErrorReplyAndChangeNothing() {
        assertThat(node.control("blacklist x")).startsWith("error: ").contains("'x'");
        assertThat(node.control("blacklist")).isEqualTo("30\n");
        assertThat(node.control("source")).startsWith("error: ").contains("missing");
        assertThat(node.control("no acl")).startsWith("error: ").contains("missing");
        assertThat(node.control("acl 12 permit 1.2.3.4")).startsWith("error: ").contains("'12'");
        assertThat(node.control("acl 1 deny 300.1.1.1")).startsWith("error: ").contains("bogus");
        assertThat(node.control("server 0 address nosuchhost.invalid")).startsWith("error: ").contains("nosuchhost.invalid");
        assertThat(node.control("tcp_fastclose")).startsWith("error: ");
        assertThat(node.control("servers")).contains("0 addr 127.0.0.1 port " + a.port());
    }

    @Test
    void serverCommandChangesOneSlotAndGrowsTheTable() {
        assertThat(node.control("server 0 weight 3 max 5 hard 7 prio 2")).isEmpty();
        assertThat(node.control("servers")).startsWith("0 addr 127.0.0.1 port " + a.port() + " conn 0 max 5 hard 7 weight 3 prio 2 ");
        assertThat(node.control("server 3 address 127.0.0.1 port 18084")).isEmpty();
        assertThat(node.control("servers")).contains("2 addr (unknown address family 0 port 0 conn 0 max 0 hard 0 weight 0 prio 0 sx 0 rx 0\n")
                .contains("3 addr 127.0.0.1 port 18084 conn 0");
    }

    @Test
    void serverBlacklistAvoidsItForExactlyThatLongAndZeroClearsIt() {
        node.control("roundrobin");
        node.control("server 0 blacklist 60");
        for (int i = 0; i < 4; i++) {
            assertThat(TestClient.whoAnswers("127.0.0.1", node.address())).isEqualTo("B");
        }
        node.control("server 0 blacklist 0");
        assertThat(java.util.stream.IntStream.range(0, 4).mapToObj(i -> TestClient.whoAnswers("127.0.0.1", node.address())))
                .contains("A", "B");
    }

    @Test
    void recentListsClientsWithConnectsAndBytes() {
        TestClient.whoAnswers("127.0.0.2", node.address());
        TestClient.whoAnswers("127.0.0.2", node.address());
        TestClient.whoAnswers("127.0.0.3", node.address());
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(node.control("recent"))
                .isEqualTo("127.0.0.2 connects 2 sx 4 rx 0\n127.0.0.3 connects 1 sx 2 rx 0\n"));
    }

    @Test
    void statusWritesTheWebStatsFileAndReturnsIt(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("status.html");
        node.control("web_stats " + f);
        TestClient.whoAnswers("127.0.0.2", node.address());
        String reply = node.control("status");
        assertThat(reply).startsWith("<html>\n<head>\n<title>Pen status page</title>\n").contains("<td>127.0.0.2</td>");
        assertThat(Files.readString(f)).isEqualTo(reply);
    }

    @Test
    void aclCommandsBuildListsThatWriteRecords(@TempDir Path dir) throws Exception {
        node.control("acl 1 deny 127.0.0.7");
        node.control("acl 1 permit 0.0.0.0 0.0.0.0");
        node.control("acl 3 permit ::1/128");
        assertThat(node.control("client_acl 1")).isEqualTo("1\n");
        Path f = dir.resolve("out.cfg");
        assertThat(node.control("write " + f)).isEmpty();
        String text = Files.readString(f);
        assertThat(text).startsWith("# Generated by jpen ")
                .contains("no acl 1\nacl 1 deny 127.0.0.7 255.255.255.255\nacl 1 permit 0.0.0.0 0.0.0.0\n")
                .contains("acl 3 permit 0:0:0:0:0:0:0:1/128\n")
                .contains("client_acl 1\n")
                .contains("server 0 acl 0 address 127.0.0.1 port " + a.port() + " max 0 hard 0 weight 0 prio 0\n");
        assertThat(TestClient.whoAnswers("127.0.0.7", node.address())).as("denied").isNull();
        assertThat(TestClient.whoAnswers("127.0.0.6", node.address())).isNotNull();
    }

    @Test
    void connectionShowsAnOpenConnectionAndCloseCutsIt() throws Exception {
        try (java.net.Socket held = new java.net.Socket()) {
            held.connect(node.address(), 2000);
            held.setSoTimeout(5000);
            assertThat(held.getInputStream().read()).as("the backend's name arrives").isEqualTo('B');
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(node.control("connection 0"))
                    .startsWith("Connection 0:\nstate = 2\ndownfd = ").contains("\nclient = 0, server = 1\npend = 0\n"));
            assertThat(node.control("close 0")).isEqualTo("Forcibly closing connection 0\n");
            held.getInputStream().skip(2); // "\n" after the name, if still buffered
            int end;
            try {
                end = held.getInputStream().read();
            } catch (java.net.SocketException reset) {
                end = -1;
            }
            assertThat(end).as("the client sees its connection closed").isEqualTo(-1);
        }
        assertThat(node.control("close 999")).isEqualTo("Connection 999 out of range\n");
    }

    @Test
    void exitStopsANodeStartedWithX() throws Exception {
        try (InJvmNode x = InJvmNode.start("-X", "127.0.0.1:" + FreePorts.loopback(), a.spec())) {
            assertThat(x.control("exit")).isEmpty();
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                x.node().awaitStop();
                return true;
            });
            assertThat(io.jpen.node.testing.TestClient.whoAnswers("127.0.0.2", x.address(), 1000)).isNull();
        }
    }

    @Test
    void noAclEmptiesAList() {
        node.control("acl 1 permit 127.0.0.2");
        node.control("client_acl 1");
        assertThat(TestClient.whoAnswers("127.0.0.3", node.address())).isNull();
        node.control("no acl 1");
        assertThat(TestClient.whoAnswers("127.0.0.3", node.address())).isNotNull();
    }
}
