package io.jpen.cluster.leader;

import io.jpen.node.Node;
import io.jpen.node.config.CommandLine;
import io.jpen.node.spi.NodeExtension;
import sun.misc.Signal;

import java.util.List;

/**
 * A real node with only the leadership extension (the shared-state extension, also on the test class path, is left
 * out: it would start Hazelcast). Started as a separate JVM by {@link LeaderProcessTest}; signals as in
 * {@code io.jpen.node.Main}.
 */
public final class LeaderNodeMain {
    private LeaderNodeMain() {
    }

    public static void main(String[] args) throws Exception {
        List<NodeExtension> extensions = List.of(new LeadershipExtension());
        Node node = Node.create(CommandLine.parse(List.of(args), "test"), extensions, System.out);
        node.start();
        System.out.println("STARTED");
        System.out.flush();
        Signal.handle(new Signal("TERM"), s -> new Thread(node::stop, "jpen-stop").start());
        System.exit(node.awaitStop());
    }
}
