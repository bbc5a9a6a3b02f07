package io.jpen.cluster.state.demo;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * A backend for the demo that says who it is, to {@code curl} and to {@code nc} alike: it waits briefly for a request
 * (an HTTP client sends one at once, a raw TCP client may send nothing), answers with a small HTTP/1.0 response whose
 * body is {@code backend ADDR:PORT}, then closes. Blocking sockets, one short-lived thread per connection.
 */
final class DemoBackend implements AutoCloseable {
    private static final int REQUEST_WAIT_MILLIS = 300;

    private final ServerSocket server;
    private final String name;

    private DemoBackend(ServerSocket server) {
        this.server = server;
        this.name = server.getInetAddress().getHostAddress() + ":" + server.getLocalPort();
        Thread t = new Thread(this::acceptLoop, "demo-backend-" + name);
        t.setDaemon(true);
        t.start();
    }

    static DemoBackend start(String host, int port) throws IOException {
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(InetAddress.getByName(host), port), 100);
        return new DemoBackend(s);
    }

    String name() {
        return name;
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                Thread t = new Thread(() -> serve(s), "demo-backend-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket s) {
        try (s) {
            s.setSoTimeout(REQUEST_WAIT_MILLIS);
            readRequest(s.getInputStream());
            String body = "backend " + name + "\n";
            String reply = "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + body.length()
                    + "\r\nConnection: close\r\n\r\n" + body;
            OutputStream out = s.getOutputStream();
            out.write(reply.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            s.shutdownOutput();
            drain(s.getInputStream()); // close only after the client: no RST eats the reply
        } catch (IOException e) {
            // the client went away: nothing to do for a demo
        }
    }

    /** Reads up to the end of the request headers, or until the client is silent for a moment. */
    private static void readRequest(InputStream in) throws IOException {
        int state = 0;
        try {
            int c;
            while ((c = in.read()) >= 0) {
                state = c == '\n' ? (state == 1 ? 2 : 1) : (c == '\r' ? state : 0);
                if (state == 2) {
                    return;
                }
            }
        } catch (SocketTimeoutException e) {
            // a raw TCP client that sends nothing: answer anyway
        }
    }

    private static void drain(InputStream in) {
        byte[] buf = new byte[4096];
        try {
            while (in.read(buf) >= 0) {
                // discard
            }
        } catch (IOException e) {
            // timeout or reset: done
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
