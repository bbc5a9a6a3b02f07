package io.jpen.it.agent;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A self-identifying backend that runs as its own small JVM inside a host namespace (a test JVM cannot bind inside
 * a namespace). On every connection it writes {@code NAME\n}, then echoes every byte, and shuts its output down after
 * the client's EOF. Prints {@code listening ADDRESS:PORT} once bound. JDK only, so it runs from the test classes.
 *
 * <p>Usage: {@code java -cp test-classes io.jpen.it.agent.BackendMain NAME ADDRESS PORT}
 */
public final class BackendMain {
    private BackendMain() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 3) {
            System.err.println("usage: BackendMain NAME ADDRESS PORT");
            System.exit(2);
        }
        byte[] greeting = (args[0] + "\n").getBytes(StandardCharsets.US_ASCII);
        ServerSocket server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(InetAddress.getByName(args[1]), Integer.parseInt(args[2])), 1024);
        System.out.println("listening " + args[1] + ":" + args[2]);
        System.out.flush();
        while (true) {
            Socket s = server.accept();
            Thread t = new Thread(() -> serve(s, greeting), "conn");
            t.setDaemon(true);
            t.start();
        }
    }

    private static void serve(Socket s, byte[] greeting) {
        try (s) {
            s.setTcpNoDelay(true);
            OutputStream out = s.getOutputStream();
            out.write(greeting);
            out.flush();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[16 * 1024];
            int n;
            while ((n = in.read(buf)) > 0) {
                out.write(buf, 0, n);
            }
            s.shutdownOutput();
        } catch (IOException e) {
            // reset by the peer or the balancer: nothing to do for a test backend
        }
    }
}
