package io.jpen.node.proxy;

import io.jpen.node.testing.FreePorts;
import io.jpen.node.testing.InJvmNode;
import io.jpen.node.testing.PeerReportingBackend;
import org.junit.jupiter.api.Test;

import static io.jpen.node.testing.TestClient.whoAnswers;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Which local address jpen connects to backends from: the kernel's choice, {@code source IP}, {@code transparent}. */
class SourceAddressTest {

    @Test
    void sourceFixesTheAddressBackendsSee() throws Exception {
        try (PeerReportingBackend b = PeerReportingBackend.start("127.0.0.1");
             InJvmNode n = InJvmNode.start("127.0.0.1:" + FreePorts.loopback(), b.spec())) {
            assertThat(whoAnswers("127.0.0.5", n.address())).as("default: the kernel picks").isEqualTo("127.0.0.1");
            assertThat(n.control("source 127.0.0.2")).isEmpty();
            assertThat(whoAnswers("127.0.0.5", n.address())).isEqualTo("127.0.0.2");
            n.control("no source");
            assertThat(whoAnswers("127.0.0.5", n.address())).isEqualTo("127.0.0.1");
        }
    }

    @Test
    void sourceGivenAtStartWorksToo() throws Exception {
        try (PeerReportingBackend b = PeerReportingBackend.start("127.0.0.1");
             InJvmNode n = InJvmNode.start("-o", "source 127.0.0.3", "127.0.0.1:" + FreePorts.loopback(), b.spec())) {
            assertThat(whoAnswers("127.0.0.1", n.address())).isEqualTo("127.0.0.3");
        }
    }

    @Test
    void transparentConnectsFromTheClientsOwnAddress() throws Exception {
        // IP_TRANSPARENT needs CAP_NET_ADMIN; on loopback no extra routing is needed
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root for IP_TRANSPARENT");
        try (PeerReportingBackend b = PeerReportingBackend.start("127.0.0.1");
             InJvmNode n = InJvmNode.start("-o", "transparent", "127.0.0.1:" + FreePorts.loopback(), b.spec())) {
            assertThat(whoAnswers("127.0.0.9", n.address())).isEqualTo("127.0.0.9");
            assertThat(whoAnswers("127.0.0.10", n.address())).isEqualTo("127.0.0.10");
            n.control("no transparent");
            assertThat(whoAnswers("127.0.0.9", n.address())).isEqualTo("127.0.0.1");
        }
    }
}
