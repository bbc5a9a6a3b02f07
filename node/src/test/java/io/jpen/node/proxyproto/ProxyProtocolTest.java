package io.jpen.node.proxyproto;

import io.jpen.node.testing.Closer;
import io.jpen.node.testing.FreePorts;
import io.jpen.node.testing.IdentifyingBackend;
import io.jpen.node.testing.InJvmNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The PROXY protocol: the header a backend sees before the client's bytes ({@code send_proxy}, per server or for
 * all), and clients arriving through another balancer ({@code accept_proxy}). The backend echoes, so the client
 * reads back exactly what the backend received.
 */
class ProxyProtocolTest {
    private static final byte[] V2_SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
    @RegisterExtension
    final Closer closer = new Closer();

    private <T extends AutoCloseable> T keep(T r) {
        return closer.keep(r);
    }

    private InJvmNode node(IdentifyingBackend b, String... options) throws IOException {
        List<String> a = new ArrayList<>(List.of(options));
        a.add("127.0.0.1:" + FreePorts.loopback());
        a.add(b.spec());
        return keep(InJvmNode.start(a.toArray(new String[0])));
    }

    private Socket client(String from, InJvmNode n) throws IOException {
        Socket s = keep(new Socket());
        s.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
        s.connect(n.address(), 5000);
        s.setSoTimeout(5000);
        return s;
    }

    @Test
    void aV1HeaderTellsTheBackendTheClientAddress() throws Exception {
        IdentifyingBackend echo = keep(IdentifyingBackend.start("E", "127.0.0.1").echoOnly());
        InJvmNode n = node(echo, "-o", "send_proxy v1");
        Socket s = client("127.0.0.2", n);
        s.getOutputStream().write("hi\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(line(s.getInputStream())).isEqualTo("PROXY TCP4 127.0.0.2 127.0.0.1 " + s.getLocalPort() + " " + n.port() + "\r");
        assertThat(line(s.getInputStream())).isEqualTo("hi");
    }

    @Test
    void aV2HeaderPerServerOverridesTheGlobalSetting() throws Exception {
        IdentifyingBackend echo = keep(IdentifyingBackend.start("E", "127.0.0.1").echoOnly());
        InJvmNode n = node(echo);
        assertThat(n.control("server 0 send_proxy v2")).isEmpty();
        Socket s = client("127.0.0.3", n);
        s.getOutputStream().write("hi\n".getBytes(StandardCharsets.US_ASCII));
        DataInputStream in = new DataInputStream(s.getInputStream());
        byte[] sig = new byte[12];
        in.readFully(sig);
        assertThat(sig).isEqualTo(V2_SIGNATURE);
        assertThat(in.readUnsignedByte()).as("version 2, PROXY").isEqualTo(0x21);
        assertThat(in.readUnsignedByte()).as("TCP over IPv4").isEqualTo(0x11);
        assertThat(in.readUnsignedShort()).isEqualTo(12);
        byte[] addrs = new byte[12];
        in.readFully(addrs);
        ByteBuffer b = ByteBuffer.wrap(addrs);
        assertThat(new byte[] {b.get(), b.get(), b.get(), b.get()}).isEqualTo(new byte[] {127, 0, 0, 3});
        assertThat(new byte[] {b.get(), b.get(), b.get(), b.get()}).isEqualTo(new byte[] {127, 0, 0, 1});
        assertThat(b.getShort() & 0xffff).isEqualTo(s.getLocalPort());
        assertThat(b.getShort() & 0xffff).isEqualTo(n.port());
        assertThat(line(in)).isEqualTo("hi");
        n.control("server 0 send_proxy default");
        Socket t = client("127.0.0.3", n);
        t.getOutputStream().write("plain\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(line(t.getInputStream())).as("back to the global setting: off").isEqualTo("plain");
        assertThat(n.control("write /dev/null")).isEmpty();
    }

    @Test
    void aClientArrivingThroughAnotherBalancerIsKnownByItsRealAddress() throws Exception {
        IdentifyingBackend echo = keep(IdentifyingBackend.start("E", "127.0.0.1").echoOnly());
        InJvmNode n = node(echo, "-o", "accept_proxy", "-o", "send_proxy v1");
        Socket s = client("127.0.0.1", n);
        // the front balancer's header and the client's first bytes in one segment
        s.getOutputStream().write("PROXY TCP4 192.0.2.9 198.51.100.1 40000 443\r\nhello\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(line(s.getInputStream())).isEqualTo("PROXY TCP4 192.0.2.9 198.51.100.1 40000 443\r");
        assertThat(line(s.getInputStream())).isEqualTo("hello");
        assertThat(n.control("recent")).contains("192.0.2.9 connects 1");

        Socket v2 = client("127.0.0.1", n);
        ByteBuffer h = ByteBuffer.allocate(28);
        h.put(V2_SIGNATURE).put((byte) 0x21).put((byte) 0x11).putShort((short) 12)
                .put(new byte[] {(byte) 203, 0, 113, 7}).put(new byte[] {127, 0, 0, 1}).putShort((short) 5555).putShort((short) 80);
        v2.getOutputStream().write(h.array());
        v2.getOutputStream().write("again\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(line(v2.getInputStream())).isEqualTo("PROXY TCP4 203.0.113.7 127.0.0.1 5555 80\r");
        assertThat(line(v2.getInputStream())).isEqualTo("again");

        Socket bad = client("127.0.0.1", n);
        bad.getOutputStream().write("GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(bad.getInputStream().read()).as("no PROXY header: closed").isEqualTo(-1);
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') {
            b.append((char) c);
        }
        return b.toString();
    }
}
