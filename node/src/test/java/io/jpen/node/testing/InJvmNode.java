package io.jpen.node.testing;

import io.jpen.node.Node;
import io.jpen.node.config.CommandLine;
import io.jpen.node.control.CommandInterpreter;
import io.jpen.node.spi.NodeExtension;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;
import java.util.ServiceLoader;

/**
 * A real node (real listener, real sockets, real event loops) started inside the test JVM from a Pen command line,
 * for fast integration tests. Multi-process behaviour (signals, pid file, launcher) is tested with
 * {@link JpenProcess}.
 */
public final class InJvmNode implements AutoCloseable {
    private final Node node;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    private InJvmNode(List<String> args, Iterable<NodeExtension> extensions) throws IOException {
        node = Node.create(CommandLine.parse(args, "test"), extensions, new PrintStream(out, true));
        node.start();
    }

    /** Starts a node with the extensions found on the class path (none in the node module). */
    public static InJvmNode start(String... args) throws IOException {
        return new InJvmNode(List.of(args), ServiceLoader.load(NodeExtension.class));
    }

    public static InJvmNode start(List<String> args, Iterable<NodeExtension> extensions) throws IOException {
        return new InJvmNode(args, extensions);
    }

    public Node node() {
        return node;
    }

    public SocketAddress address() {
        return node.boundAddress();
    }

    public int port() {
        return ((InetSocketAddress) node.boundAddress()).getPort();
    }

    /** Runs a control command in-process, as the control port would. */
    public String control(String command) {
        return node.commands().execute(command, CommandInterpreter.Origin.CONTROL);
    }

    /** What start-up commands printed. */
    public String startupOutput() {
        return out.toString();
    }

    @Override
    public void close() {
        node.stop();
    }
}
