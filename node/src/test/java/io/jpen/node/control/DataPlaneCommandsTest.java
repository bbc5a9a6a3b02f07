package io.jpen.node.control;

import io.jpen.node.Node;
import io.jpen.node.config.CommandLine;
import io.jpen.node.config.Settings;
import io.jpen.node.proxyproto.ProxyProtocolMode;
import io.jpen.node.testing.FreePorts;
import io.jpen.node.testing.InJvmNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The data-plane commands (TLS, PROXY protocol, UDP, http, transparent): replies, errors, and write round trips. */
class DataPlaneCommandsTest {
    @TempDir
    Path dir;

    @Test
    void commandsReplyNothingLikePensSslCommandsAndRejectBadArguments() throws Exception {
        try (InJvmNode n = InJvmNode.start("127.0.0.1:" + FreePorts.loopback(), "127.0.0.1:9")) {
            assertThat(n.control("http")).isEmpty();
            assertThat(n.control("no http")).isEmpty();
            assertThat(n.control("transparent")).isEmpty();
            assertThat(n.control("send_proxy v2")).isEmpty();
            assertThat(n.control("server 0 send_proxy v1")).isEmpty();
            assertThat(n.control("accept_proxy")).isEmpty();
            assertThat(n.control("ssl_ciphers TLS_AES_128_GCM_SHA256")).isEmpty();
            assertThat(n.control("ssl_option cipher_server_preference")).isEmpty();
            assertThat(n.control("ssl_client_renegotiation_interval 60")).isEmpty();
            assertThat(n.control("udp_idle_timeout")).isEqualTo("10\n");
            assertThat(n.control("udp_idle_timeout 3")).isEqualTo("3\n");
            assertThat(n.control("send_proxy v3")).startsWith("error: 'v3'");
            assertThat(n.control("ssl_option no_magic")).startsWith("error: 'no_magic'");
            assertThat(n.control("ssl_protocol ssl2")).startsWith("error: 'ssl2'").contains("insecure");
            assertThat(n.control("ssl_ocsp_response /x")).contains("OCSP stapling is not supported yet");
            assertThat(n.control("udp_check_send bad\\q")).startsWith("error:").contains("unknown escape");
            Settings s = n.node().settings().current();
            assertThat(s.transparent).isTrue();
            assertThat(s.sendProxy(0)).isEqualTo(ProxyProtocolMode.V1);
            assertThat(s.sendProxy(1)).isEqualTo(ProxyProtocolMode.V2);
            assertThat(s.tls.options()).containsExactly("cipher_server_preference");
        }
    }

    @Test
    void writeRoundTripsEveryDataPlaneSetting() throws Exception {
        Path file = dir.resolve("written.cfg");
        Path certs = Files.createDirectory(dir.resolve("sni"));
        try (InJvmNode n = InJvmNode.start("127.0.0.1:" + FreePorts.loopback(), "127.0.0.1:9", "127.0.0.1:10")) {
            for (String c : List.of("http", "transparent", "send_proxy v1", "server 1 send_proxy v2", "accept_proxy",
                    "udp_idle_timeout 4", "udp_check 2 3 1", "udp_check_send \\x00\\x01ping\\x20me\\r\\n", "udp_check_expect PONG",
                    "ssl_ciphers TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384", "ssl_option no_tlsv1.2",
                    "ssl_protocol tls1.3", "ssl_sni_path " + certs, "ssl_ca_file /etc/ca.pem", "ssl_verify_client")) {
                assertThat(n.control(c)).as(c).doesNotStartWith("error");
            }
            assertThat(n.control("write " + file)).isEmpty();
            String written = ConfigWriter.script(n.node().settings().current(), true);
            // replay into a node that is configured but not started (its TLS files are not loaded)
            Node replay = Node.create(CommandLine.parse(List.of("-F", file.toString(), "127.0.0.1:" + FreePorts.loopback()), "test"),
                    List.of(), new PrintStream(new ByteArrayOutputStream()));
            assertThat(ConfigWriter.script(replay.settings().current(), true)).isEqualTo(written);
            assertThat(written).contains("udp_check_send \\x00\\x01ping\\x20me\\r\\n\n").contains("server 1 send_proxy v2\n")
                    .contains("no ssl_certificate\n");
        }
    }
}
