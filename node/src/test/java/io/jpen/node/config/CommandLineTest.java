package io.jpen.node.config;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CommandLineTest {

    private static StartupOptions parse(String... args) {
        return CommandLine.parse(List.of(args), "test");
    }

    @Test
    void positionalListenAndServersWithOptionsAfterThem() {
        StartupOptions o = parse("127.0.0.1:8080", "a:1", "-b", "10", "b:2", "-hr");
        assertThat(o.listen()).isEqualTo("127.0.0.1:8080");
        assertThat(o.servers()).containsExactly("a:1", "b:2");
        assertThat(o.settingOptions()).containsExactly("blacklist 10", "hash", "roundrobin");
    }

    @Test
    void attachedOptionValuesAndRepeatedDebug() {
        StartupOptions o = parse("-b30", "-dd", "-x", "7", "-C", "8888", "80");
        assertThat(o.settingOptions()).containsExactly("blacklist 30", "conn_max 7");
        assertThat(o.debug()).isEqualTo(2);
        assertThat(o.control()).isEqualTo("8888");
    }

    @Test
    void malformedNumberIsRejectedNamingTheValue() {
        assertThatThrownBy(() -> parse("-b", "x", "80"))
                .hasMessageContaining("'x'").hasMessageContaining("-b").hasMessageContaining("not a number");
    }

    @Test
    void zeroConnectTimeoutIsRejectedLikePen() {
        assertThatThrownBy(() -> parse("-t", "0", "80")).hasMessageContaining("'0'").hasMessageContaining("-t");
    }

    @Test
    void unknownOptionIsRejectedNamingIt() {
        assertThatThrownBy(() -> parse("-Y", "80")).hasMessageContaining("'-Y'").hasMessageContaining("unknown option");
        assertThatThrownBy(() -> parse("--frobnicate=1", "80")).hasMessageContaining("--frobnicate");
    }

    @Test
    void notYetImplementedOptionsSaySo() {
        assertThatThrownBy(() -> parse("-j", "/var/empty", "80")).hasMessageContaining("-j").hasMessageContaining("not supported yet");
    }

    @Test
    void udpAndTlsOptionsBecomeSettings() {
        StartupOptions o = parse("-U", "-E", "/etc/c.pem", "-K", "/etc/k.pem", "-G", "/etc/ca.pem", "-A", "/etc/cas", "-R",
                "-L", "tls1.3", "-Z", "80");
        assertThat(o.udp()).isTrue();
        assertThat(o.settingOptions()).containsExactly("ssl_certificate /etc/c.pem", "ssl_key /etc/k.pem",
                "ssl_ca_file /etc/ca.pem", "ssl_ca_dir /etc/cas", "ssl_verify_client", "ssl_protocol tls1.3");
        assertThat(o.notices()).anyMatch(n -> n.startsWith("-Z"));
        assertThatThrownBy(() -> parse("-L", "tls1", "80")).hasMessageContaining("tls1").hasMessageContaining("insecure");
        assertThatThrownBy(() -> parse("-E", "/my certs/c.pem", "80")).hasMessageContaining("-E").hasMessageContaining("spaces");
    }

    @Test
    void helpIsInformationNotAnError() {
        assertThatThrownBy(() -> parse("--help")).isInstanceOf(CommandLine.InfoRequested.class).hasMessageContaining("usage:");
    }

    @Test
    void smallBacklogIsBumpedWithANotice() {
        StartupOptions o = parse("-q", "10", "80");
        assertThat(o.backlog()).isEqualTo(50);
        assertThat(o.notices()).contains("listen_queue bumped to 50");
    }

    @Test
    void noListenAndNoConfigFileIsAnError() {
        assertThatThrownBy(() -> parse("-b", "3")).hasMessageContaining("no listen address");
    }

    @Test
    void clusterLongOptionsBecomeExtensionKeys() {
        StartupOptions o = parse("--cluster-members=127.0.0.11,127.0.0.12", "--vip-address", "10.0.0.1/24", "80");
        assertThat(o.extensionOptions()).containsEntry("cluster_members", "127.0.0.11,127.0.0.12")
                .containsEntry("vip_address", "10.0.0.1/24");
    }
}
