package io.jpen.cluster.leader.witness;

import io.jpen.cluster.leader.LeaderCommands;
import io.jpen.cluster.leader.LeaderService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A witness's control port: penctl's protocol (one command line in, the reply, then close), read-only, only the
 * {@code vip ...} commands. One connection at a time on a thread of its own; a witness has nothing else to serve.
 */
final class WitnessControl implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger("jpen.witness");

    private final ServerSocket server;
    private final LeaderService service;

    private WitnessControl(ServerSocket server, LeaderService service) {
        this.server = server;
        this.service = service;
        Thread t = new Thread(this::serve, "jpen-witness-control");
        t.setDaemon(true);
        t.start();
    }

    /** Binds {@code [addr:]port} (a bare port binds 127.0.0.1 only, as the node's -C does). */
    static WitnessControl open(String spec, LeaderService service) throws IOException {
        String host = "127.0.0.1";
        String port = spec;
        int colon = spec.lastIndexOf(':');
        if (colon >= 0) {
            host = spec.substring(0, colon);
            port = spec.substring(colon + 1);
        }
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(InetAddress.getByName(host), Integer.parseInt(port)), 16);
        return new WitnessControl(s, service);
    }

    private void serve() {
        while (!server.isClosed()) {
            try (Socket c = server.accept()) {
                c.setSoTimeout(5000);
                BufferedReader in = new BufferedReader(new InputStreamReader(c.getInputStream(), StandardCharsets.ISO_8859_1));
                String line = in.readLine();
                String[] w = line == null ? new String[0] : line.trim().split(" +");
                StringBuilder reply = new StringBuilder();
                if (w.length >= 1 && w[0].equals("vip")) {
                    for (String l : LeaderCommands.vip(service.snapshot(), w.length > 1 ? w[1] : null)) {
                        reply.append(l).append('\n');
                    }
                } else {
                    reply.append("error: a witness answers only: ").append(LeaderCommands.USAGE).append('\n');
                }
                OutputStream out = c.getOutputStream();
                out.write(reply.toString().getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
            } catch (IOException | RuntimeException e) {
                if (!server.isClosed()) {
                    log.debug("control connection: {}", e.toString());
                }
            }
        }
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException ignored) {
            // closing at exit
        }
    }
}
