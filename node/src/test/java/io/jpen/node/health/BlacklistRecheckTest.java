package io.jpen.node.health;

import io.jpen.node.config.ServerId;
import io.jpen.node.testing.Closer;
import io.jpen.node.testing.FreePorts;
import io.jpen.node.testing.IdentifyingBackend;
import io.jpen.node.testing.InJvmNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.time.Duration;

import static io.jpen.node.testing.TestClient.whoAnswers;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A node whose own link was down blacklisted servers that were fine: once its network is back
 * ({@code Node#networkRestored}, called by the leadership extension's interface tracking) it checks them from here and
 * serves clients again at once instead of refusing them for the blacklist time. Real node, real sockets on loopback.
 */
class BlacklistRecheckTest {
    @RegisterExtension
    final Closer closer = new Closer();

    private <T extends AutoCloseable> T keep(T r) {
        return closer.keep(r);
    }

    private static ServerId server(InJvmNode n, int index) {
        return n.node().settings().current().servers.get(index).id();
    }

    private static boolean blacklisted(InJvmNode n, int index) {
        return n.node().proxy().balancer().isBlacklisted(server(n, index));
    }

    @Test
    void aServerBlacklistedWhileTheNetworkWasDownServesClientsAgainAsSoonAsItConnects() throws IOException {
        int back = FreePorts.loopback();
        int gone = FreePorts.loopback();
        InJvmNode n = keep(InJvmNode.start("-b", "60", "-t", "1", "127.0.0.1:" + FreePorts.loopback(),
                "127.0.0.1:" + back, "127.0.0.1:" + gone));
        long faultStart = System.currentTimeMillis() - 1;
        // "the link is down": every connect fails, the client is turned away and both servers are blacklisted
        assertThat(whoAnswers("127.0.0.2", n.address())).isNull();
        assertThat(blacklisted(n, 0)).isTrue();
        assertThat(blacklisted(n, 1)).isTrue();
        keep(IdentifyingBackend.start("A", "127.0.0.1", back));

        n.node().networkRestored(faultStart, "interface test0 came back");

        await().atMost(Duration.ofSeconds(5)).until(() -> !blacklisted(n, 0));
        assertThat(whoAnswers("127.0.0.3", n.address())).as("served long before -b 60 ran out").isEqualTo("A");
        // the one that still refuses stays out, also after the second pass (one -t later)
        await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(3)).until(() -> blacklisted(n, 1));
    }

    @Test
    void blacklistingsFromBeforeTheFaultAndAnOperatorsStay() throws IOException {
        int back = FreePorts.loopback();
        IdentifyingBackend b = keep(IdentifyingBackend.start("B", "127.0.0.1"));
        InJvmNode n = keep(InJvmNode.start("-b", "60", "-t", "1", "127.0.0.1:" + FreePorts.loopback(), b.spec(),
                "127.0.0.1:" + back));
        assertThat(whoAnswers("127.0.0.2", n.address())).as("server 1 refuses: failover to B").isEqualTo("B");
        assertThat(blacklisted(n, 1)).isTrue();
        n.control("server 0 blacklist 60");
        keep(IdentifyingBackend.start("A", "127.0.0.1", back));

        n.node().networkRestored(System.currentTimeMillis() + 1, "interface test0 came back");

        await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(3))
                .until(() -> blacklisted(n, 0) && blacklisted(n, 1));
    }
}
