package io.jpen.node.proxy;

import io.jpen.node.testing.FreePorts;
import io.jpen.node.testing.IdentifyingBackend;
import io.jpen.node.testing.InJvmNode;
import io.jpen.node.testing.TestClient;
import io.netty.channel.EventLoopGroup;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** The start-up warm-up relays real bytes through a private data path and leaves no trace on the node. */
class DataPathWarmupTest {

    @Test
    void relaysEveryConnectionThroughAPrivateListenerWithHalfClose() {
        Transport t = Transport.detect();
        EventLoopGroup g = t.newGroup(1, "warmup-test");
        try {
            // run() returns a duration only if every connection got the greeting and its payload echoed after the
            // client's half-close, then the backend's close
            assertThat(DataPathWarmup.run(t, g, 5, Duration.ofSeconds(10))).isNotNull();
        } finally {
            g.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @Test
    void aStartedNodeHasContactedNoBackendAndCountedNothing() throws Exception {
        try (IdentifyingBackend a = IdentifyingBackend.start("A", "127.0.0.1");
             InJvmNode node = InJvmNode.start("127.0.0.1:" + FreePorts.loopback(), a.spec())) {
            assertThat(a.connections()).as("connections the real backend saw at start").isZero();
            assertThat(node.control("servers"))
                    .isEqualTo("0 addr 127.0.0.1 port " + a.port() + " conn 0 max 0 hard 0 weight 0 prio 0 sx 0 rx 0\n");
            assertThat(TestClient.whoAnswers("127.0.0.1", node.address())).isEqualTo("A");
        }
    }
}
