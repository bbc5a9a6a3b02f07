package io.jpen.node.control;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * {@code jpen ctl host:port|/path COMMAND...}: penctl for machines without Pen. Same behaviour: the words joined by
 * single spaces and a newline (over 1023 bytes: {@code Overlong argument list}, exit 1), the reply copied to stdout
 * until the server closes, exit 0; {@code error connecting to server}, exit 1.
 */
public final class ControlClient {
    private ControlClient() {
    }

    public static int run(List<String> args, PrintStream out, PrintStream err) {
        if (args.size() < 2) {
            out.println("usage: jpen ctl host:port|/unix/path command");
            return 0;
        }
        String target = args.get(0);
        String line = String.join(" ", args.subList(1, args.size())) + "\n";
        if (line.length() > 1024) {
            err.println("Overlong argument list");
            return 1;
        }
        try (SocketChannel ch = open(target, err)) {
            if (ch == null) {
                return 1;
            }
            ch.write(ByteBuffer.wrap(line.getBytes(StandardCharsets.ISO_8859_1)));
            InputStream in = Channels.newInputStream(ch);
            in.transferTo(out);
            out.flush();
            return 0;
        } catch (IOException e) {
            err.println("error connecting to server");
            return 1;
        }
    }

    private static SocketChannel open(String target, PrintStream err) throws IOException {
        if (target.indexOf('/') >= 0) {
            SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            ch.connect(UnixDomainSocketAddress.of(target));
            return ch;
        }
        int colon = target.lastIndexOf(':');
        if (colon < 0) {
            err.println("no port given");
            return null;
        }
        String host = target.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(target.substring(colon + 1));
        } catch (NumberFormatException e) {
            err.println("bad port: " + target.substring(colon + 1));
            return null;
        }
        return SocketChannel.open(new InetSocketAddress(host.isEmpty() ? "127.0.0.1" : host, port));
    }
}
