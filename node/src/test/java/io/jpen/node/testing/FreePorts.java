package io.jpen.node.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** A free TCP port on a loopback address (bind to 0 and release: a tiny race, acceptable in tests). */
public final class FreePorts {
    private FreePorts() {
    }

    public static int on(String host) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getByName(host), 0));
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static int loopback() {
        return on("127.0.0.1");
    }
}
