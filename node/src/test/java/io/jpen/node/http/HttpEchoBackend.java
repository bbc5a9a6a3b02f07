package io.jpen.node.http;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An HTTP/1.1 backend for tests that answers every request of a keep-alive connection with the request as it
 * arrived: the head, then the body bytes (Content-Length or chunked, de-chunked). Plain blocking sockets.
 */
public final class HttpEchoBackend implements AutoCloseable {
    private final ServerSocket server;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();

    private HttpEchoBackend(ServerSocket server) {
        this.server = server;
        Thread t = new Thread(this::acceptLoop, "http-echo");
        t.setDaemon(true);
        t.start();
    }

    public static HttpEchoBackend start() throws IOException {
        ServerSocket s = new ServerSocket();
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        return new HttpEchoBackend(s);
    }

    public String spec() {
        return "127.0.0.1:" + server.getLocalPort();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                open.add(s);
                Thread t = new Thread(() -> serve(s), "http-echo-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket s) {
        try (s) {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            while (true) {
                String head = readHead(in);
                if (head == null) {
                    return;
                }
                ByteArrayOutputStream body = new ByteArrayOutputStream();
                String lower = head.toLowerCase(Locale.ROOT);
                if (lower.contains("\ntransfer-encoding: chunked")) {
                    while (true) {
                        String size = readLine(in).split(";")[0].trim();
                        int n = Integer.parseInt(size, 16);
                        if (n == 0) {
                            while (!readLine(in).isEmpty()) {
                                // trailers
                            }
                            break;
                        }
                        body.write(in.readNBytes(n));
                        readLine(in);
                    }
                } else {
                    int at = lower.indexOf("\ncontent-length:");
                    if (at >= 0) {
                        int end = lower.indexOf('\n', at + 1);
                        int n = Integer.parseInt(head.substring(at + 16, end).trim());
                        body.write(in.readNBytes(n));
                    }
                }
                byte[] reply = (head + body.toString(StandardCharsets.ISO_8859_1)).getBytes(StandardCharsets.ISO_8859_1);
                out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + reply.length + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                out.write(reply);
                out.flush();
            }
        } catch (IOException | RuntimeException e) {
            // client gone
        } finally {
            open.remove(s);
        }
    }

    private static String readHead(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0) {
            b.append((char) c);
            int n = b.length();
            if (n >= 4 && b.charAt(n - 1) == '\n' && b.charAt(n - 2) == '\r' && b.charAt(n - 3) == '\n') {
                return b.toString();
            }
        }
        return null;
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') {
            if (c != '\r') {
                b.append((char) c);
            }
        }
        return b.toString();
    }

    /** Reads one response from {@code in} and returns its body (the echoed request). */
    public static String readResponseBody(BufferedReader in) throws IOException {
        String status = in.readLine();
        if (status == null) {
            throw new IOException("no response");
        }
        int length = 0;
        String line;
        while ((line = in.readLine()) != null && !line.isEmpty()) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        char[] body = new char[length];
        int got = 0;
        while (got < length) {
            int n = in.read(body, got, length - got);
            if (n < 0) {
                throw new IOException("short body");
            }
            got += n;
        }
        return new String(body);
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : open) {
            s.close();
        }
    }
}
