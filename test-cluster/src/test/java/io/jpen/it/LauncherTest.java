package io.jpen.it;

import io.jpen.node.testing.FreePorts;
import io.jpen.node.testing.IdentifyingBackend;
import io.jpen.node.testing.JpenProcess;
import io.jpen.node.testing.TestClient;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The real launcher as an operator runs it: exit codes, messages, signals, pid file, request log, status page. */
class LauncherTest {
    private static final Duration START = Duration.ofSeconds(30);

    @BeforeAll
    static void distribution() {
        assertThat(JpenProcess.distributionBuilt()).as("deploy/target/jpen/lib (mvn package)").isTrue();
    }

    private static JpenProcess.Result run(String... args) throws Exception {
        return JpenProcess.run(List.of(args), START);
    }

    @Test
    void helpPrintsUsageAndExitsZero() throws Exception {
        JpenProcess.Result r = run("--help");
        assertThat(r.exitCode()).isZero();
        assertThat(r.output()).contains("usage:").contains("jpen ctl");
    }

    @Test
    void badCommandLinesExitNonZeroNamingTheToken() throws Exception {
        assertThat(run("127.0.0.1:70000", "127.0.0.1:1")).satisfies(r -> {
            assertThat(r.exitCode()).isEqualTo(1);
            assertThat(r.output()).contains("'70000'").contains("1-65535");
        });
        assertThat(run("-b", "x", "8080", "127.0.0.1:1").output()).contains("'x'");
        assertThat(run("-Y", "8080").output()).contains("'-Y'");
        assertThat(run("127.0.0.1:" + FreePorts.loopback(), "nosuchhost.invalid:80")).satisfies(r -> {
            assertThat(r.exitCode()).isEqualTo(1);
            assertThat(r.output()).contains("'nosuchhost.invalid'");
        });
        // -U (UDP) is supported now; -j (chroot) is the option left that jpen refuses by name
        assertThat(run("-j", "/var/empty", "8080", "127.0.0.1:1")).satisfies(r -> {
            assertThat(r.exitCode()).isEqualTo(1);
            assertThat(r.output()).contains("-j").contains("not supported yet");
        });
    }

    @Test
    void aPortAlreadyInUseIsReportedAndExitsNonZero() throws Exception {
        try (IdentifyingBackend busy = IdentifyingBackend.start("busy", "127.0.0.1")) {
            JpenProcess.Result r = run(busy.spec(), "127.0.0.1:1");
            assertThat(r.exitCode()).isEqualTo(1);
            assertThat(r.output()).contains("can't bind");
        }
    }

    @Test
    void sigtermStopsCleanlyAndRemovesThePidFile(@TempDir Path dir) throws Exception {
        try (IdentifyingBackend a = IdentifyingBackend.start("A", "127.0.0.1")) {
            Path pid = dir.resolve("jpen.pid");
            int port = FreePorts.loopback();
            try (JpenProcess p = JpenProcess.start(List.of("-p", pid.toString(), "127.0.0.1:" + port, a.spec()))) {
                p.awaitOutput("started", START);
                // the launcher exec's the JVM: the pid written is the process we started
                assertThat(Files.readString(pid).strip()).isEqualTo(Long.toString(p.pid()));
                assertThat(TestClient.whoAnswers("127.0.0.2", TestClient.loopback(port))).isEqualTo("A");
                p.signal("TERM");
                assertThat(p.waitFor(Duration.ofSeconds(15))).isZero();
                assertThat(pid).doesNotExist();
                assertThat(TestClient.whoAnswers("127.0.0.2", TestClient.loopback(port), 1000)).isNull();
            }
        }
    }

    @Test
    void sighupReloadsTheConfigFileAndUsr1WritesTheStatusPage(@TempDir Path dir) throws Exception {
        try (IdentifyingBackend a = IdentifyingBackend.start("A", "127.0.0.1");
             IdentifyingBackend b = IdentifyingBackend.start("B", "127.0.0.1")) {
            Path cfg = dir.resolve("farm.cfg");
            Path web = dir.resolve("status.html");
            int port = FreePorts.loopback();
            int ctl = FreePorts.loopback();
            Files.writeString(cfg, "server 0 address 127.0.0.1 port " + a.port() + "\n");
            try (JpenProcess p = JpenProcess.start(List.of("-F", cfg.toString(), "-w", web.toString(), "-C", "127.0.0.1:" + ctl,
                    "127.0.0.1:" + port))) {
                p.awaitOutput("started", START);
                assertThat(TestClient.whoAnswers("127.0.0.2", TestClient.loopback(port))).isEqualTo("A");
                Files.writeString(cfg, "server 0 address 127.0.0.1 port " + b.port() + "\nroundrobin\n");
                p.signal("HUP");
                try {
                    p.awaitOutput("reloaded", Duration.ofSeconds(10));
                    await().atMost(Duration.ofSeconds(10)).until(() -> "B".equals(TestClient.whoAnswers("127.0.0.3", TestClient.loopback(port))));
                } catch (IllegalStateException | org.awaitility.core.ConditionTimeoutException e) {
                    throw new AssertionError("no reload seen after SIGHUP (alive: " + p.isAlive() + "); the node said:\n"
                            + p.output(), e);
                }
                p.signal("USR1");
                await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(web) && Files.readString(web).contains("</html>"));
                assertThat(Files.readString(web)).contains("<title>Pen status page</title>").contains("<td>" + b.port() + "</td>");
                JpenProcess.Result ctlOut = JpenProcess.run(List.of("ctl", "127.0.0.1:" + ctl, "mode"), START);
                assertThat(ctlOut.output()).isEqualTo("no hash roundrobin no stubborn no weight no prio\n");
            }
        }
    }

    @Test
    void requestLogHasPensFormat(@TempDir Path dir) throws Exception {
        try (IdentifyingBackend a = IdentifyingBackend.start("A", "127.0.0.1")) {
            Path log = dir.resolve("requests.log");
            int port = FreePorts.loopback();
            try (JpenProcess p = JpenProcess.start(List.of("-l", log.toString(), "127.0.0.1:" + port, a.spec()))) {
                p.awaitOutput("started", START);
                try (var s = new java.net.Socket()) {
                    s.bind(new java.net.InetSocketAddress("127.0.0.3", 0));
                    s.connect(TestClient.loopback(port));
                    s.getOutputStream().write("POST /x?y=1 HTTP/1.1\r\nHost: a\r\n\r\n".getBytes());
                    s.getInputStream().read();
                }
                await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(log) && !Files.readString(log).isEmpty());
                assertThat(Files.readString(log)).matches("127\\.0\\.0\\.3 \\d{10} 127\\.0\\.0\\.1 POST /x\\?y=1 HTTP/1\\.1\n");
            }
        }
    }
}
