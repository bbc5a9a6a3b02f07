package io.jpen.node.proxy;

import io.jpen.node.control.ControlClient;
import io.jpen.node.testing.Blackhole;
import io.jpen.node.testing.FreePorts;
import io.jpen.node.testing.IdentifyingBackend;
import io.jpen.node.testing.InJvmNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import io.netty.util.concurrent.FastThreadLocalThread;
import reactor.blockhound.BlockHound;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.jpen.node.testing.TestClient.whoAnswers;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * BlockHound watches every Netty event loop while the node does its whole repertoire: selection, failover after a
 * refused and a timed-out connect, relaying, the control port (name resolution, file writes), the request log and
 * the status page. Any blocking call on an event loop is recorded and fails the test.
 */
class EventLoopNeverBlocksIT {

    @Test
    void noEventLoopEverBlocks(@TempDir Path dir) throws Exception {
        List<String> violations = new CopyOnWriteArrayList<>();
        BlockHound.builder()
                // every Netty event-loop thread (Netty's own integration does not mark 4.2's IO loops)
                .nonBlockingThreadPredicate(p -> p.or(t -> t instanceof FastThreadLocalThread))
                // Netty's GlobalEventExecutor thread (also a FastThreadLocalThread) runs the event-loop group's
                // termination listeners at stop, then waits for more work: that wait is its idle state, not a block
                .allowBlockingCallsInside("io.netty.util.concurrent.GlobalEventExecutor", "takeTask")
                .blockingMethodCallback(m -> violations.add(m + " on " + Thread.currentThread().getName()
                        + "\n" + stack()))
                .install();
        int control = FreePorts.loopback();
        try (IdentifyingBackend a = IdentifyingBackend.start("A", "127.0.0.1");
             Blackhole hole = new Blackhole();
             InJvmNode n = InJvmNode.start("-t", "1", "-C", Integer.toString(control), "-l", dir.resolve("req.log").toString(),
                     "-w", dir.resolve("status.html").toString(), "127.0.0.1:" + FreePorts.loopback(), a.spec(),
                     "127.0.0.1:" + FreePorts.loopback(), hole.spec())) {
            for (int i = 0; i < 30; i++) {
                assertThat(whoAnswers("127.0.0." + (2 + i), n.address(), 10_000)).isEqualTo("A");
            }
            for (String cmd : List.of("servers", "status", "recent", "server 1 address localhost port 1", "write " + dir.resolve("w.cfg"),
                    "hash", "mode", "no hash")) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                assertThat(ControlClient.run(List.of("127.0.0.1:" + control, cmd), new PrintStream(out), System.err)).isZero();
            }
            n.node().dumpStats();
            n.node().reload();
            assertThat(whoAnswers("127.0.0.99", n.address())).isEqualTo("A");
        }
        assertThat(violations).isEmpty();
    }

    private static String stack() {
        StringBuilder b = new StringBuilder();
        for (StackTraceElement e : Thread.currentThread().getStackTrace()) {
            b.append("    at ").append(e).append('\n');
        }
        return b.toString();
    }
}
