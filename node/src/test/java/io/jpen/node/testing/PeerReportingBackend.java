package io.jpen.node.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A TCP backend for tests that tells each connection where it came from: it writes the peer's address as
 * {@code IP\n} and closes. Shows what source address a balancer connects from ({@code source}, {@code transparent}).
 */
public final class PeerReportingBackend implements AutoCloseable {
    private final ServerSocket server;

    private PeerReportingBackend(ServerSocket server) {
        this.server = server;
        Thread t = new Thread(this::loop, "peer-reporting-backend");
        t.setDaemon(true);
        t.start();
    }

    public static PeerReportingBackend start(String host) throws IOException {
        ServerSocket s = new ServerSocket();
        s.bind(new InetSocketAddress(InetAddress.getByName(host), 0), 50);
        return new PeerReportingBackend(s);
    }

    public String spec() {
        return server.getInetAddress().getHostAddress() + ":" + server.getLocalPort();
    }

    private void loop() {
        while (!server.isClosed()) {
            try (Socket s = server.accept()) {
                OutputStream out = s.getOutputStream();
                out.write((((InetSocketAddress) s.getRemoteSocketAddress()).getAddress().getHostAddress() + "\n")
                        .getBytes(StandardCharsets.US_ASCII));
                out.flush();
            } catch (IOException e) {
                if (server.isClosed()) {
                    return;
                }
            }
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
