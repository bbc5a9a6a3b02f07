package io.jpen.node.http;

import io.jpen.node.testing.FreePorts;
import io.jpen.node.testing.InJvmNode;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code -H} through a real node: X-Forwarded-For on every request of one keep-alive connection. */
class HttpForwardingTest {

    @Test
    void everyRequestOnOneKeepAliveConnectionCarriesTheClientAddress() throws Exception {
        try (HttpEchoBackend backend = HttpEchoBackend.start();
             InJvmNode n = InJvmNode.start("-H", "127.0.0.1:" + FreePorts.loopback(), backend.spec());
             Socket s = new Socket()) {
            s.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.7"), 0));
            s.connect(n.address(), 5000);
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
            for (int i = 1; i <= 3; i++) {
                String body = "a=" + i + "&GET / HTTP/1.1\r\n\r\n";
                out.write(("POST /form/" + i + " HTTP/1.1\r\nHost: h\r\nContent-Length: " + body.length() + "\r\n\r\n" + body)
                        .getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                String echoed = HttpEchoBackend.readResponseBody(in);
                assertThat(echoed).as("request %d", i)
                        .startsWith("POST /form/" + i + " HTTP/1.1\r\n")
                        .contains("\r\nX-Forwarded-For: 127.0.0.7\r\n")
                        .contains("\r\nX-Forwarded-Proto: http\r\n")
                        .endsWith("\r\n\r\n" + body);
                assertThat(echoed.split("X-Forwarded-For", -1)).as("exactly one header").hasSize(2);
            }
            // one with its own X-Forwarded-For (a proxy in front): kept, not doubled
            out.write("GET /kept HTTP/1.1\r\nX-Forwarded-For: 192.0.2.1\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            String kept = HttpEchoBackend.readResponseBody(in);
            assertThat(kept).contains("X-Forwarded-For: 192.0.2.1\r\n").doesNotContain("127.0.0.7");
        }
    }

    @Test
    void withoutMinusHNothingIsAdded() throws Exception {
        try (HttpEchoBackend backend = HttpEchoBackend.start();
             InJvmNode n = InJvmNode.start("127.0.0.1:" + FreePorts.loopback(), backend.spec());
             Socket s = new Socket()) {
            s.connect(n.address(), 5000);
            s.setSoTimeout(5000);
            s.getOutputStream().write("GET / HTTP/1.1\r\nHost: h\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
            assertThat(HttpEchoBackend.readResponseBody(in)).isEqualTo("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
            n.control("http");
            try (Socket t = new Socket()) {
                t.connect(n.address(), 5000);
                t.setSoTimeout(5000);
                t.getOutputStream().write("GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                BufferedReader tin = new BufferedReader(new InputStreamReader(t.getInputStream(), StandardCharsets.ISO_8859_1));
                assertThat(HttpEchoBackend.readResponseBody(tin)).as("'http' at run time, for new connections")
                        .contains("X-Forwarded-For: 127.0.0.1");
            }
        }
    }
}
