package io.jpen.node.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ReferenceCountUtil;

import java.nio.charset.StandardCharsets;

/**
 * Pen's {@code -H}/{@code http}: adds {@code X-Forwarded-For: <client ip>} and {@code X-Forwarded-Proto: http|https}
 * to the head of every HTTP request on the client's connection, each only if the request does not carry it already
 * (Pen keeps an existing one untouched). Unlike Pen, which looks at the first chunk of a read only, it follows HTTP/1.x
 * message framing ({@code Content-Length}, chunked bodies, trailers), so every request of a keep-alive or pipelined
 * connection gets the headers and a body that looks like a request is never touched.
 *
 * <p>Only request heads are held back (up to {@value #MAX_HEAD} bytes); bodies flow through as slices of what was
 * read, never buffered or copied. Anything that does not look like HTTP/1.x (no method token, no {@code HTTP/}
 * version, an oversized head, a framing it cannot follow) switches the connection to plain pass-through for good,
 * as do {@code CONNECT} and protocol upgrades (WebSocket) after their request.
 *
 * <p>Threading: one instance per connection, used on its event loop only.
 */
public final class ForwardedHeaders extends ChannelInboundHandlerAdapter {
    static final int MAX_HEAD = 64 * 1024;
    private static final int MAX_METHOD = 24;

    private enum State { REQUEST, BODY, CHUNK_SIZE, CHUNK_DATA, CHUNK_END, TRAILERS, PASS }

    private final byte[] forwardedFor;
    private final byte[] forwardedProto;
    private State state = State.REQUEST;
    /** The request head being collected (request line to blank line), or null. */
    private ByteBuf head;
    /** Where the search for the blank line resumes in {@link #head}. */
    private int scanned;
    /** Body or chunk bytes still to pass. */
    private long remaining;
    /** Chunk-size line: the size so far, whether a digit was seen, whether we are past the digits. */
    private long chunkSize;
    private boolean chunkDigits;
    private boolean chunkExtension;
    /** Trailer line: bytes on the current line before its LF (CR excluded). */
    private int lineLength;
    /** After this request's body: pass everything (CONNECT, Upgrade). */
    private boolean passAfter;

    /**
     * @param clientIp the address for X-Forwarded-For (numeric), or null to add none (Unix-socket clients)
     * @param https    what X-Forwarded-Proto says
     */
    public ForwardedHeaders(String clientIp, boolean https) {
        this.forwardedFor = clientIp == null ? null : ("X-Forwarded-For: " + clientIp).getBytes(StandardCharsets.US_ASCII);
        this.forwardedProto = ("X-Forwarded-Proto: " + (https ? "https" : "http")).getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf in) || state == State.PASS) {
            ctx.fireChannelRead(msg);
            return;
        }
        try {
            process(ctx, in);
        } finally {
            in.release();
        }
    }

    /** Walks {@code in}, passing unchanged spans as retained slices and request heads rewritten. */
    private void process(ChannelHandlerContext ctx, ByteBuf in) {
        int i = in.readerIndex();
        int end = in.writerIndex();
        int span = i; // start of bytes to pass unchanged
        while (i < end) {
            switch (state) {
                case REQUEST -> {
                    if (head == null && (in.getByte(i) == '\r' || in.getByte(i) == '\n')) {
                        i++; // empty lines before a request line are allowed; pass them
                        continue;
                    }
                    pass(ctx, in, span, i);
                    int taken = collectHead(ctx, in, i, end);
                    i += taken;
                    span = i;
                }
                case BODY, CHUNK_DATA -> {
                    int n = (int) Math.min(remaining, end - i);
                    i += n;
                    remaining -= n;
                    if (remaining == 0) {
                        state = state == State.BODY ? next() : State.CHUNK_END;
                    }
                }
                case CHUNK_SIZE -> {
                    byte b = in.getByte(i++);
                    int d = hex(b);
                    if (b == '\n') {
                        if (!chunkDigits) {
                            passFrom(ctx, in, span, end); // not a chunk-size line: stop interpreting
                            return;
                        }
                        if (chunkSize == 0) {
                            state = State.TRAILERS;
                            lineLength = 0;
                        } else {
                            remaining = chunkSize;
                            state = State.CHUNK_DATA;
                        }
                    } else if (d >= 0 && !chunkExtension) {
                        chunkSize = chunkSize * 16 + d;
                        chunkDigits = true;
                        if (chunkSize > (1L << 40)) {
                            passFrom(ctx, in, span, end);
                            return;
                        }
                    } else if (b != '\r') {
                        if (!chunkDigits) {
                            passFrom(ctx, in, span, end);
                            return;
                        }
                        chunkExtension = true; // ";name=value" or spaces after the size
                    }
                }
                case CHUNK_END -> {
                    if (in.getByte(i++) == '\n') {
                        startChunk();
                    }
                }
                case TRAILERS -> {
                    byte b = in.getByte(i++);
                    if (b == '\n') {
                        if (lineLength == 0) {
                            state = next();
                        }
                        lineLength = 0;
                    } else if (b != '\r') {
                        lineLength++;
                    }
                }
                case PASS -> i = end;
            }
        }
        pass(ctx, in, span, end);
    }

    private void passFrom(ChannelHandlerContext ctx, ByteBuf in, int span, int end) {
        state = State.PASS;
        pass(ctx, in, span, end);
    }

    private State next() {
        if (passAfter) {
            return State.PASS;
        }
        return State.REQUEST;
    }

    private void startChunk() {
        state = State.CHUNK_SIZE;
        chunkSize = 0;
        chunkDigits = false;
        chunkExtension = false;
    }

    private static void pass(ChannelHandlerContext ctx, ByteBuf in, int from, int to) {
        if (to > from) {
            ctx.fireChannelRead(in.retainedSlice(from, to - from));
        }
    }

    /**
     * Copies head bytes from {@code in[from..end)} until the blank line; when the head is complete, emits it rewritten
     * and sets the body state. Returns the bytes consumed.
     */
    private int collectHead(ChannelHandlerContext ctx, ByteBuf in, int from, int end) {
        if (head == null) {
            head = ctx.alloc().heapBuffer(Math.min(1024, end - from + 256));
            scanned = 0;
        }
        int i = from;
        while (i < end) {
            byte b = in.getByte(i++);
            head.writeByte(b);
            if (head.readableBytes() <= MAX_METHOD + 1 && !methodSoFar()) {
                giveUp(ctx);
                return i - from;
            }
            if (b == '\n' && blankLineEnds()) {
                finishHead(ctx);
                return i - from;
            }
            if (head.readableBytes() > MAX_HEAD) {
                giveUp(ctx);
                return i - from;
            }
        }
        return i - from;
    }

    /** True while the head so far can be the start of {@code METHOD SP}: 1-24 upper-case letters or '-'. */
    private boolean methodSoFar() {
        int n = head.readableBytes();
        for (int k = 0; k < n; k++) {
            byte c = head.getByte(k);
            if (c == ' ') {
                return k > 0;
            }
            if (!(c >= 'A' && c <= 'Z' || c == '-')) {
                return false;
            }
        }
        return n <= MAX_METHOD;
    }

    /** The byte just written is an LF: does it end an empty line (LF LF or LF CR LF)? */
    private boolean blankLineEnds() {
        int n = head.writerIndex();
        if (n >= 2 && head.getByte(n - 2) == '\n') {
            return true;
        }
        return n >= 3 && head.getByte(n - 2) == '\r' && head.getByte(n - 3) == '\n';
    }

    /** Not HTTP as far as we can tell: pass what we held and everything after it. */
    private void giveUp(ChannelHandlerContext ctx) {
        state = State.PASS;
        ByteBuf h = head;
        head = null;
        ctx.fireChannelRead(h);
    }

    private void finishHead(ChannelHandlerContext ctx) {
        ByteBuf h = head;
        head = null;
        int len = h.writerIndex();
        int blank = h.getByte(len - 2) == '\r' ? len - 2 : len - 1; // start of the blank line
        boolean crlf = blank == len - 2;
        // request line: METHOD SP target SP HTTP/x.y
        int lineEnd = h.indexOf(0, len, (byte) '\n');
        String requestLine = h.toString(0, lineEnd, StandardCharsets.ISO_8859_1).trim();
        if (!requestLine.contains(" HTTP/")) {
            state = State.PASS; // HTTP/0.9 or not HTTP: leave it alone
            ctx.fireChannelRead(h);
            return;
        }
        String method = requestLine.substring(0, requestLine.indexOf(' '));
        boolean hasFor = false;
        boolean hasProto = false;
        boolean chunked = false;
        boolean otherCoding = false;
        boolean upgrade = false;
        long length = 0;
        boolean badLength = false;
        int p = lineEnd + 1;
        while (p < blank) {
            int e = h.indexOf(p, blank, (byte) '\n');
            if (e < 0) {
                e = blank;
            }
            int colon = h.indexOf(p, e, (byte) ':');
            if (colon > p) {
                String name = h.toString(p, colon - p, StandardCharsets.ISO_8859_1).trim().toLowerCase(java.util.Locale.ROOT);
                String value = h.toString(colon + 1, e - colon - 1, StandardCharsets.ISO_8859_1).trim().toLowerCase(java.util.Locale.ROOT);
                switch (name) {
                    case "x-forwarded-for" -> hasFor = true;
                    case "x-forwarded-proto" -> hasProto = true;
                    case "transfer-encoding" -> {
                        if (value.endsWith("chunked")) {
                            chunked = true;
                        } else {
                            otherCoding = true;
                        }
                    }
                    case "content-length" -> {
                        try {
                            long v = Long.parseLong(value);
                            if (v < 0 || (length != 0 && v != length)) {
                                badLength = true;
                            }
                            length = v;
                        } catch (NumberFormatException ex) {
                            badLength = true;
                        }
                    }
                    case "upgrade" -> upgrade = true;
                    default -> {
                    }
                }
            }
            p = e + 1;
        }
        byte[] eol = crlf ? CRLF : LF;
        int extra = (hasFor || forwardedFor == null ? 0 : forwardedFor.length + eol.length)
                + (hasProto ? 0 : forwardedProto.length + eol.length);
        ByteBuf out = h;
        if (extra > 0) {
            out = ctx.alloc().buffer(len + extra);
            out.writeBytes(h, 0, blank);
            if (!hasFor && forwardedFor != null) {
                out.writeBytes(forwardedFor).writeBytes(eol);
            }
            if (!hasProto) {
                out.writeBytes(forwardedProto).writeBytes(eol);
            }
            out.writeBytes(h, blank, len - blank);
            h.release();
        }
        passAfter = upgrade || "CONNECT".equals(method);
        if (otherCoding && !chunked || badLength) {
            state = State.PASS; // a body we cannot delimit: stop looking at this connection
        } else if (chunked) {
            startChunk();
        } else if (length > 0) {
            remaining = length;
            state = State.BODY;
        } else {
            state = next();
        }
        ctx.fireChannelRead(out);
    }

    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] LF = {'\n'};

    private static int hex(byte b) {
        if (b >= '0' && b <= '9') {
            return b - '0';
        }
        if (b >= 'a' && b <= 'f') {
            return b - 'a' + 10;
        }
        if (b >= 'A' && b <= 'F') {
            return b - 'A' + 10;
        }
        return -1;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == ChannelInputShutdownEvent.INSTANCE && head != null) {
            giveUp(ctx); // the client ended mid-head: pass what it sent
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        ReferenceCountUtil.release(head);
        head = null;
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        ReferenceCountUtil.release(head);
        head = null;
        ctx.fireChannelInactive();
    }
}
