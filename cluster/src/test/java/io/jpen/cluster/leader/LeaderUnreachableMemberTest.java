package io.jpen.cluster.leader;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A configured member whose host takes no connections but answers nothing either (a pulled cable, a silent
 * partition: SYNs are dropped) must not split the members that can reach each other. JGroups connects in the thread
 * that sends; with one sender thread for every destination, each connect attempt to the silent member (discovery
 * and MERGE3 try it again and again) held up the heartbeats to the others for the connect timeout, and the survivors
 * excluded each other. In-JVM, loopback: the silent host is a listening socket whose accept queue is full, so the
 * kernel drops further SYNs and a connect hangs like one to a host behind a cut.
 */
class LeaderUnreachableMemberTest {
    @TempDir
    Path dir;
    private LeaderGroup g;
    private ServerSocket silent;
    private final List<Socket> queued = new ArrayList<>();

    @BeforeEach
    void group() throws IOException {
        g = new LeaderGroup(dir, 3);
        silent = new ServerSocket();
        silent.bind(new InetSocketAddress(LeaderGroup.host(2), g.port), 1);
        // backlog 1 takes two connections; from the third on the kernel drops the SYN: connects hang
        for (int i = 0; i < 2; i++) {
            Socket s = new Socket();
            s.connect(silent.getLocalSocketAddress(), 1000);
            queued.add(s);
        }
    }

    @AfterEach
    void close() throws IOException {
        g.close();
        for (Socket s : queued) {
            s.close();
        }
        silent.close();
    }

    @Test
    void aMemberThatCannotBeConnectedToDoesNotSplitTheOthers() {
        var n0 = g.start(0, "jgroups_connect_timeout", "1s");
        var n1 = g.start(1, "jgroups_connect_timeout", "1s");
        g.awaitView();
        String view0 = n0.service.snapshot().view();
        String view1 = n1.service.snapshot().view();
        assertThat(view0).isEqualTo(view1);
        // long enough for several connect attempts to the silent member, each hanging for the connect timeout
        await().during(Duration.ofSeconds(6)).atMost(Duration.ofSeconds(8)).pollInterval(Duration.ofMillis(100))
                .until(() -> n0.service.snapshot().view().equals(view0) && n1.service.snapshot().view().equals(view1));
    }
}
