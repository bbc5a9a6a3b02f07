package io.jpen.node.testing;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A UDP backend for tests that says who it is: every datagram is answered with {@code NAME:payload} to its sender.
 * It can be muted (it then receives and counts but never answers: a hung service, invisible to the sender).
 */
public final class UdpBackend implements AutoCloseable {
    private final String name;
    private final DatagramSocket socket;
    private final AtomicInteger received = new AtomicInteger();
    private volatile boolean muted;

    private UdpBackend(String name, DatagramSocket socket) {
        this.name = name;
        this.socket = socket;
        Thread t = new Thread(this::loop, "udp-backend-" + name);
        t.setDaemon(true);
        t.start();
    }

    public static UdpBackend start(String name) throws IOException {
        return new UdpBackend(name, new DatagramSocket(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0)));
    }

    public String spec() {
        return "127.0.0.1:" + socket.getLocalPort();
    }

    public int port() {
        return socket.getLocalPort();
    }

    public int received() {
        return received.get();
    }

    public void mute(boolean m) {
        muted = m;
    }

    private void loop() {
        byte[] buf = new byte[65536];
        while (!socket.isClosed()) {
            try {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                socket.receive(p);
                received.incrementAndGet();
                if (muted) {
                    continue;
                }
                byte[] reply = (name + ":" + new String(p.getData(), 0, p.getLength(), StandardCharsets.ISO_8859_1))
                        .getBytes(StandardCharsets.ISO_8859_1);
                socket.send(new DatagramPacket(reply, reply.length, p.getSocketAddress()));
            } catch (SocketException e) {
                return;
            } catch (IOException e) {
                // next datagram
            }
        }
    }

    @Override
    public void close() {
        socket.close();
    }
}
