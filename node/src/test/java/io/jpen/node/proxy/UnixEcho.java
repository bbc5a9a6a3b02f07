package io.jpen.node.proxy;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** A Unix-socket backend that writes its name and closes; plus a client that reads it (JDK sockets only). */
final class UnixEcho implements AutoCloseable {
    private final ServerSocketChannel server;
    private final Path path;

    private UnixEcho(ServerSocketChannel server, Path path) {
        this.server = server;
        this.path = path;
    }

    static UnixEcho start(String path, String name) throws IOException {
        ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        s.bind(UnixDomainSocketAddress.of(path));
        Thread t = new Thread(() -> {
            while (s.isOpen()) {
                try (SocketChannel c = s.accept()) {
                    c.write(ByteBuffer.wrap((name + "\n").getBytes(StandardCharsets.US_ASCII)));
                } catch (IOException e) {
                    return;
                }
            }
        }, "unix-backend");
        t.setDaemon(true);
        t.start();
        return new UnixEcho(s, Path.of(path));
    }

    static String whoAnswers(String path) throws IOException {
        try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            c.connect(UnixDomainSocketAddress.of(path));
            ByteBuffer b = ByteBuffer.allocate(256);
            while (c.read(b) > 0) {
                if (b.get(b.position() - 1) == '\n') {
                    break;
                }
            }
            String s = new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII);
            return s.isEmpty() ? null : s.strip();
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        Files.deleteIfExists(path);
    }
}
