package io.jpen.node.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real TCP backend for tests that says who it is: on every connection it first writes {@code NAME\n}, then
 * echoes every byte it receives, and after the client's EOF shuts down its own output (so half-close can be
 * observed). It counts connections. Plain blocking sockets on their own threads: independent of the code under test.
 */
public final class IdentifyingBackend implements AutoCloseable {
    private final String name;
    private final ServerSocket server;
    private final Thread acceptor;
    private final AtomicInteger connections = new AtomicInteger();
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private volatile boolean greet = true;

    private IdentifyingBackend(String name, ServerSocket server) {
        this.name = name;
        this.server = server;
        this.acceptor = new Thread(this::acceptLoop, "backend-" + name);
        this.acceptor.setDaemon(true);
        this.acceptor.start();
    }

    /** Starts a backend on {@code host} and a free port. */
    public static IdentifyingBackend start(String name, String host) throws IOException {
        return start(name, host, 0);
    }

    public static IdentifyingBackend start(String name, String host, int port) throws IOException {
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(InetAddress.getByName(host), port), 200);
        return new IdentifyingBackend(name, s);
    }

    /** Echo only, without the name line (for byte-exact transfers). */
    public IdentifyingBackend echoOnly() {
        greet = false;
        return this;
    }

    public String name() {
        return name;
    }

    public int port() {
        return server.getLocalPort();
    }

    /** {@code host:port} as a jpen server spec. */
    public String spec() {
        return server.getInetAddress().getHostAddress() + ":" + server.getLocalPort();
    }

    public int connections() {
        return connections.get();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                connections.incrementAndGet();
                open.add(s);
                Thread t = new Thread(() -> serve(s), "backend-" + name + "-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket s) {
        try (s) {
            OutputStream out = s.getOutputStream();
            if (greet) {
                out.write((name + "\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
            InputStream in = s.getInputStream();
            byte[] buf = new byte[64 * 1024];
            int n;
            while ((n = in.read(buf)) > 0) {
                out.write(buf, 0, n);
            }
            s.shutdownOutput();
        } catch (SocketException e) {
            // reset by the peer: fine for a test backend
        } catch (IOException e) {
            // same
        } finally {
            open.remove(s);
        }
    }

    /** Stops accepting and closes every open connection. */
    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : open) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }
}
