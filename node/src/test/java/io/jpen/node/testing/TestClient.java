package io.jpen.node.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;

/** Client helpers: connect from a chosen 127.0.0.N source address and read which backend answered. */
public final class TestClient {
    private TestClient() {
    }

    /**
     * Connects from {@code sourceHost} to {@code target}, reads the backend's name line and closes.
     *
     * @return the name, or null if the connection was closed or reset without a name
     */
    public static String whoAnswers(String sourceHost, SocketAddress target, int timeoutMillis) {
        try (Socket s = new Socket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getByName(sourceHost), 0));
            s.setSoTimeout(timeoutMillis);
            s.connect(target, timeoutMillis);
            BufferedReader r = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            return r.readLine();
        } catch (IOException e) {
            return null;
        }
    }

    public static String whoAnswers(String sourceHost, SocketAddress target) {
        return whoAnswers(sourceHost, target, 5000);
    }

    public static SocketAddress loopback(int port) {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    }
}
