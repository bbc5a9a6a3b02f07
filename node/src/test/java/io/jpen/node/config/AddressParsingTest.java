package io.jpen.node.config;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AddressParsingTest {

    @Test
    void bareListenPortBindsTheGivenDefaultHost() {
        Endpoint e = Endpoint.parse("8080", "0.0.0.0");
        assertThat(e.inet().getAddress().getHostAddress()).isEqualTo("0.0.0.0");
        assertThat(e.inet().getPort()).isEqualTo(8080);
    }

    @Test
    void hostIsSplitAtTheLastColonSoIpv6WorksWithoutBrackets() {
        Endpoint e = Endpoint.parse("::1:2222", "0.0.0.0");
        assertThat(e.inet().getAddress().getHostAddress()).isEqualTo("0:0:0:0:0:0:0:1");
        assertThat(e.inet().getPort()).isEqualTo(2222);
        assertThat(Endpoint.parse("[::1]:2223", "0.0.0.0").inet().getPort()).isEqualTo(2223);
    }

    @Test
    void serviceNamesResolveThroughEtcServices() {
        assertThat(Endpoint.parse("127.0.0.1:http-alt", "0.0.0.0").inet().getPort()).isEqualTo(8080);
    }

    @Test
    void portOutsideRangeIsRejectedInsteadOfWrapped() {
        assertThatThrownBy(() -> Endpoint.parse("70000", "0.0.0.0")).hasMessageContaining("'70000'").hasMessageContaining("1-65535");
        assertThatThrownBy(() -> ServerSpec.parse("127.0.0.1:70000", 80)).hasMessageContaining("'70000'");
        assertThatThrownBy(() -> Endpoint.parse("0", "0.0.0.0")).hasMessageContaining("'0'");
    }

    @Test
    void unixPathsAreRecognisedByTheirSlash() {
        Endpoint e = Endpoint.parse("/tmp/jpen.sock", "0.0.0.0");
        assertThat(e.isUnix()).isTrue();
        assertThat(ServerSpec.parse("/tmp/backend.sock", 0).endpoint().isUnix()).isTrue();
    }

    @Test
    void serverSpecFieldsAreSoftHardWeightPrio() {
        ServerSpec s = ServerSpec.parse("127.0.0.1:81:5:10:2:1", 80);
        assertThat(s.port()).isEqualTo(81);
        assertThat(s.maxConnections()).isEqualTo(5);
        assertThat(s.hard()).isEqualTo(10);
        assertThat(s.weight()).isEqualTo(2);
        assertThat(s.prio()).isEqualTo(1);
        assertThat(ServerSpec.parse("127.0.0.1", 80).port()).isEqualTo(80);
        assertThat(ServerSpec.parse("[::1]:81:3", 80).maxConnections()).isEqualTo(3);
    }

    @Test
    void malformedServerFieldIsRejectedNamingIt() {
        assertThatThrownBy(() -> ServerSpec.parse("127.0.0.1:81:x:7", 80)).hasMessageContaining("'x'").hasMessageContaining("soft limit");
    }

    @Test
    void unresolvableHostIsRejectedNamingIt() {
        assertThatThrownBy(() -> ServerSpec.parse("nosuchhost.invalid:81", 80))
                .hasMessageContaining("'nosuchhost.invalid'").hasMessageContaining("unknown or invalid address");
    }
}
