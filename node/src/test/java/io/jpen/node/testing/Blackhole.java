package io.jpen.node.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;

/**
 * A backend whose SYNs are never answered, on loopback: a listening socket that never accepts, with its accept
 * queue filled, so the kernel drops further SYNs (as Pen's reference measured "SYN dropped (full accept queue)").
 */
public final class Blackhole implements AutoCloseable {
    private final ServerSocket server;
    private final List<Socket> fillers = new ArrayList<>();

    public Blackhole() throws IOException {
        server = new ServerSocket();
        server.bind(new InetSocketAddress("127.0.0.1", 0), 1);
        for (int i = 0; i < 8; i++) {
            Socket s = new Socket();
            try {
                s.connect(server.getLocalSocketAddress(), 300);
                fillers.add(s);
            } catch (SocketTimeoutException e) {
                s.close();
                return; // the queue is full: SYNs are dropped from now on
            }
        }
        throw new IllegalStateException("could not fill the accept queue");
    }

    public String spec() {
        return "127.0.0.1:" + server.getLocalPort();
    }

    @Override
    public void close() throws IOException {
        for (Socket s : fillers) {
            s.close();
        }
        server.close();
    }
}
