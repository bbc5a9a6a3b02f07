package io.jpen.node.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** The X-Forwarded-* rewriter on its own: what comes out for what goes in, however the bytes are split. */
class ForwardedHeadersTest {
    private static final String XFF = "X-Forwarded-For: 10.1.2.3\r\n";
    private static final String XFP = "X-Forwarded-Proto: http\r\n";

    /** Feeds {@code in} in pieces of {@code step} bytes and returns everything passed on. */
    private static String run(String in, int step) {
        EmbeddedChannel ch = new EmbeddedChannel(new ForwardedHeaders("10.1.2.3", false));
        byte[] b = in.getBytes(StandardCharsets.ISO_8859_1);
        for (int i = 0; i < b.length; i += step) {
            ch.writeInbound(Unpooled.wrappedBuffer(b, i, Math.min(step, b.length - i)));
        }
        StringBuilder out = new StringBuilder();
        ByteBuf m;
        while ((m = ch.readInbound()) != null) {
            out.append(m.toString(StandardCharsets.ISO_8859_1));
            m.release();
        }
        assertThat(ch.finishAndReleaseAll()).isFalse();
        return out.toString();
    }

    private static void expect(String in, String out) {
        for (int step : new int[] {1, 3, 7, 64, 100_000}) {
            assertThat(run(in, step)).as("in pieces of %d bytes", step).isEqualTo(out);
        }
    }

    @Test
    void everyRequestOfAKeepAliveConnectionGetsBothHeaders() {
        String r1 = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n";
        String r2 = "HEAD /b HTTP/1.1\r\nHost: x\r\n\r\n";
        expect(r1 + r2, "GET /a HTTP/1.1\r\nHost: x\r\n" + XFF + XFP + "\r\n" + "HEAD /b HTTP/1.1\r\nHost: x\r\n" + XFF + XFP + "\r\n");
    }

    @Test
    void headersThatArePresentAreKeptAsPenDoes() {
        expect("GET / HTTP/1.1\r\nx-forwarded-for: 1.1.1.1\r\n\r\n", "GET / HTTP/1.1\r\nx-forwarded-for: 1.1.1.1\r\n" + XFP + "\r\n");
        expect("GET / HTTP/1.1\r\nX-Forwarded-Proto: https\r\n\r\n", "GET / HTTP/1.1\r\nX-Forwarded-Proto: https\r\n" + XFF + "\r\n");
    }

    @Test
    void aBodyThatLooksLikeARequestIsNotTouched() {
        String body = "GET /fake HTTP/1.1\r\nHost: y\r\n\r\n";
        String post = "POST /p HTTP/1.1\r\nContent-Length: " + body.length() + "\r\n\r\n" + body;
        String next = "GET /n HTTP/1.1\r\n\r\n";
        expect(post + next, "POST /p HTTP/1.1\r\nContent-Length: " + body.length() + "\r\n" + XFF + XFP + "\r\n" + body
                + "GET /n HTTP/1.1\r\n" + XFF + XFP + "\r\n");
    }

    @Test
    void chunkedBodiesWithExtensionsAndTrailersAreFollowed() {
        String chunks = "5;ext=1\r\nGET /\r\n16\r\n\r\n\r\nGET / HTTP/1.1\r\n\r\n\r\n0\r\nTrailer: t\r\n\r\n";
        String req = "PUT /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks;
        String next = "DELETE /d HTTP/1.1\r\nHost: z\r\n\r\n";
        expect(req + next, "PUT /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n" + XFF + XFP + "\r\n" + chunks
                + "DELETE /d HTTP/1.1\r\nHost: z\r\n" + XFF + XFP + "\r\n");
    }

    @Test
    void nonHttpTrafficPassesUnchanged() {
        expect("SSH-2.0-OpenSSH_9.2\r\n\r\nGET / HTTP/1.1\r\n\r\n", "SSH-2.0-OpenSSH_9.2\r\n\r\nGET / HTTP/1.1\r\n\r\n");
        expect("\u0016\u0003\u0001\u0002\u0000binary", "\u0016\u0003\u0001\u0002\u0000binary");
        expect("GET /\r\n\r\n", "GET /\r\n\r\n"); // HTTP/0.9: no version, left alone
    }

    @Test
    void afterAnUpgradeTheConnectionIsNoLongerHttp() {
        String up = "GET /ws HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n";
        String frames = "GET / HTTP/1.1\r\n\r\n"; // looks like HTTP, is websocket payload now
        expect(up + frames, "GET /ws HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n" + XFF + XFP + "\r\n" + frames);
    }

    @Test
    void bareLineFeedRequestsGetBareLineFeedHeaders() {
        expect("GET / HTTP/1.0\nHost: x\n\n", "GET / HTTP/1.0\nHost: x\nX-Forwarded-For: 10.1.2.3\nX-Forwarded-Proto: http\n\n");
    }

    @Test
    void emptyLinesBetweenRequestsAreTolerated() {
        expect("GET / HTTP/1.1\r\n\r\n\r\nGET /2 HTTP/1.1\r\n\r\n",
                "GET / HTTP/1.1\r\n" + XFF + XFP + "\r\n\r\nGET /2 HTTP/1.1\r\n" + XFF + XFP + "\r\n");
    }

    @Test
    void anEndOfInputInsideAHeadPassesWhatCame() {
        EmbeddedChannel ch = new EmbeddedChannel(new ForwardedHeaders("10.1.2.3", false));
        ch.writeInbound(Unpooled.copiedBuffer("GET / HTTP/1.1\r\nHo", StandardCharsets.ISO_8859_1));
        assertThat((Object) ch.readInbound()).isNull();
        ch.pipeline().fireUserEventTriggered(io.netty.channel.socket.ChannelInputShutdownEvent.INSTANCE);
        ByteBuf m = ch.readInbound();
        assertThat(m.toString(StandardCharsets.ISO_8859_1)).isEqualTo("GET / HTTP/1.1\r\nHo");
        m.release();
        ch.finishAndReleaseAll();
    }
}
