package io.jpen.node.proxy;

import io.jpen.node.affinity.ClientKey;
import io.jpen.node.config.Endpoint;
import io.jpen.node.config.Settings;
import io.jpen.node.config.TcpFastclose;
import io.jpen.node.select.Route;
import io.jpen.node.select.Target;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.unix.UnixChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One client connection and its upstream connection: select, connect on the client's own event loop (failing over
 * as {@link Route} says), then relay bytes both ways with backpressure and half-close, count them, and close.
 *
 * <p>Backpressure: each side reads only while the other side is writable; when a write makes the peer unwritable
 * (its outbound buffer passed the high-water mark) reading stops until the peer drains. So a slow reader costs at
 * most one high-water mark of memory per direction.
 *
 * <p>Half-close: an EOF from one side becomes a shutdown of the other side's output once everything read before it
 * has been written; the connection closes when both directions are done (or at once with {@code tcp_fastclose}).
 * An error or reset on one side resets the other (SO_LINGER 0).
 *
 * <p>Threading: everything here runs on the client channel's event loop, which is also the upstream channel's
 * loop, so no field needs synchronisation. The control port only reads the fields (for display) or calls
 * {@link #close()}, which hops to the loop.
 */
public final class ProxyConnection {
    private static final Logger log = LoggerFactory.getLogger("jpen.proxy");

    private final ProxyServices px;
    private final Channel client;
    /** The client as balancing, logs, headers and transparent mode see it: the peer, or the PROXY header's source. */
    private final SocketAddress clientAddress;
    /** The address the client connected to (the PROXY header's destination when accepted from a balancer). */
    private final SocketAddress destinationAddress;
    private final ClientKey clientKey;
    private final Route route;
    private final int id;
    private Channel server;
    private Target target;
    private boolean connecting;
    private boolean established;
    private boolean clientEof;
    private boolean serverEof;
    private boolean finished;
    private volatile long fromClient;
    private volatile long toClient;
    private boolean activeSinceCheck;
    private ScheduledFuture<?> idleCheck;
    /** Client bytes read before the upstream connection exists (with a PROXY header, or the end of a TLS handshake);
     *  rare, and bounded by one read: the client is not read again until connected. */
    private List<Object> early;

    ProxyConnection(ProxyServices px, Channel client) {
        this(px, client, client.remoteAddress(), client.localAddress());
    }

    /** A client whose real addresses came from elsewhere (an accepted PROXY protocol header). */
    ProxyConnection(ProxyServices px, Channel client, SocketAddress remote, SocketAddress destination) {
        this.px = px;
        this.client = client;
        this.clientAddress = remote;
        this.destinationAddress = destination;
        this.clientKey = ClientKey.of(remote);
        int port = remote instanceof InetSocketAddress isa ? isa.getPort() : 0;
        this.route = px.balancer.route(clientKey, port);
        this.id = px.registry.register(this);
    }

    /** Pen's connection number. */
    public int id() {
        return id;
    }

    public ClientKey clientKey() {
        return clientKey;
    }

    /** The client's address and port (from the PROXY header when {@code accept_proxy} is on). */
    public SocketAddress clientAddress() {
        return clientAddress;
    }

    /** The address and port the client connected to. */
    public SocketAddress destinationAddress() {
        return destinationAddress;
    }

    /** The settings snapshot this connection uses from start to end. */
    public Settings settings() {
        return route.settings();
    }

    /** The two sockets (tests: socket options); the server's is null until connected. */
    Channel clientChannel() {
        return client;
    }

    Channel serverChannel() {
        return server;
    }

    /** The server slot in use (-1 emergency, -2 abuse), or -3 while none is connected. */
    public int serverSlot() {
        Target t = target;
        return t == null || !established ? -3 : t.slot();
    }

    public long bytesFromClient() {
        return fromClient;
    }

    public long bytesToClient() {
        return toClient;
    }

    public boolean isEstablished() {
        return established;
    }

    /** File descriptors as Pen shows them in {@code connection N} (-1 if none or not epoll). */
    public int clientFd() {
        return fd(client);
    }

    public int serverFd() {
        return fd(server);
    }

    /** Bytes waiting to be written to the client / to the server. */
    public long pendingToClient() {
        return pending(client);
    }

    public long pendingToServer() {
        return pending(server);
    }

    private static int fd(Channel c) {
        return c instanceof UnixChannel ec && c.isOpen() ? ec.fd().intValue() : -1;
    }

    private static long pending(Channel c) {
        if (c == null || c.unsafe().outboundBuffer() == null) {
            return 0;
        }
        return c.unsafe().outboundBuffer().totalPendingWriteBytes();
    }

    /** Closes both sides (control port {@code close N}); safe from any thread. */
    public void close() {
        client.eventLoop().execute(() -> {
            client.close();
            if (server != null) {
                server.close();
            }
        });
    }

    // ---------------------------------------------------------------- selection and connect

    void start() {
        Target t = route.first();
        if (t == null) {
            log.debug("no server for client {}: closing", clientKey);
            client.close();
            return;
        }
        Settings s = route.settings();
        if (s.idleTimeout > 0) {
            idleCheck = client.eventLoop().scheduleAtFixedRate(this::checkIdle, s.idleTimeout, s.idleTimeout,
                    TimeUnit.SECONDS);
        }
        connect(t);
    }

    private void connect(Target t) {
        target = t;
        connecting = true;
        Settings s = route.settings();
        Endpoint e = t.spec().endpoint();
        // The upstream channel is built and registered by hand rather than through a Bootstrap: this runs once per
        // connection, on the client's event loop (also the upstream channel's), and the address is already resolved.
        Channel ch = px.transport.clientChannelFactory(e).newChannel();
        ChannelConfig cfg = ch.config();
        cfg.setConnectTimeoutMillis(s.timeoutSeconds * 1000);
        cfg.setAutoRead(false);
        cfg.setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
        cfg.setWriteBufferWaterMark(ProxyServer.WATER_MARK);
        cfg.setRecvByteBufAllocator(ProxyServer.READS);
        if (!e.isUnix()) {
            // only what differs from the socket's defaults (Netty turns TCP_NODELAY on): each option is a syscall
            if (!s.tcpNodelay) {
                cfg.setOption(ChannelOption.TCP_NODELAY, false);
            }
            if (s.keepalive) {
                cfg.setOption(ChannelOption.SO_KEEPALIVE, true);
            }
        }
        ch.pipeline().addLast(new ServerSide());
        px.gate.connectStarted();
        SocketAddress to = Transport.address(e);
        SocketAddress from = e.isUnix() ? null : localAddressFor(s, e, cfg);
        client.eventLoop().register(ch).addListener((ChannelFutureListener) registered -> {
            if (!registered.isSuccess()) {
                connectDone(registered);
                return;
            }
            ChannelFuture f = from != null ? ch.connect(to, from) : ch.connect(to);
            f.addListener((ChannelFutureListener) this::connectDone);
        });
    }

    private SocketAddress localAddressFor(Settings s, Endpoint e, ChannelConfig cfg) {
        if (s.transparent && clientAddress instanceof InetSocketAddress ca && px.transport.isEpoll()
                && ca.getAddress().getClass() == e.inet().getAddress().getClass()) {
            cfg.setOption(EpollChannelOption.IP_TRANSPARENT, true);
            return new InetSocketAddress(ca.getAddress(), 0);
        }
        if (s.source != null) {
            return new InetSocketAddress(s.source, 0);
        }
        return null;
    }

    private void connectDone(ChannelFuture f) {
        px.gate.connectFinished();
        connecting = false;
        Target t = target;
        if (f.isSuccess()) {
            server = f.channel();
            established = true;
            route.connected(t);
            if (!client.isActive()) {
                server.close();
                finish();
                return;
            }
            log.debug("connection {}: client {} -> server {} ({})", id, clientKey, t.slot(), t.id());
            px.backendHook.connected(client, server, this);
            if (early != null) {
                for (Object m : early) {
                    server.write(m, server.voidPromise());
                }
                early = null;
                server.flush();
            }
            if (clientEof) {
                halfClose(server); // the client finished before the server was there
            }
            server.config().setAutoRead(true);
            resumeReading(client);
            return;
        }
        f.channel().close(); // a failed upstream channel must not linger: its events would look like the server's
        Throwable cause = f.cause();
        String reason = cause instanceof ConnectTimeoutException ? "connect timeout" : "connect failure: " + cause.getMessage();
        log.debug("connection {}: server {} ({}) failed: {}", id, t.slot(), t.id(), reason);
        target = null;
        Target next = route.failed(t, reason);
        if (next == null || !client.isActive()) {
            if (next != null) {
                next.counters().release();
            }
            client.close();
            finish();
            return;
        }
        connect(next);
    }

    // ---------------------------------------------------------------- relaying

    private void relay(Channel from, Channel to, Object msg, boolean upstream) {
        if (msg instanceof ByteBuf buf) {
            int n = buf.readableBytes();
            activeSinceCheck = true;
            if (upstream) {
                fromClient += n;
                target.counters().addSent(n);
                if (px.requestLog != null) {
                    px.requestLog.request(clientKey, target, buf);
                }
            } else {
                toClient += n;
                target.counters().addReceived(n);
            }
        }
        if (to == null && upstream && !finished) {
            if (early == null) {
                early = new ArrayList<>(2);
            }
            early.add(msg);
            return;
        }
        if (to == null || !to.isActive()) {
            ReferenceCountUtil.release(msg);
            return;
        }
        to.write(msg, to.voidPromise());
        if (!to.isWritable()) {
            from.config().setAutoRead(false);
        }
    }

    private void eof(boolean fromClientSide) {
        if (fromClientSide) {
            clientEof = true;
        } else {
            serverEof = true;
        }
        TcpFastclose fc = route.settings().tcpFastclose;
        boolean fast = fc == TcpFastclose.BOTH || (fromClientSide ? fc == TcpFastclose.DOWN : fc == TcpFastclose.UP);
        if (fast || (clientEof && serverEof)) {
            flushAndClose(client);
            flushAndClose(server);
            return;
        }
        halfClose(fromClientSide ? server : client);
    }

    /**
     * Reads from {@code c} again, unless its input has ended: nothing is left to read then, and with Netty 4.2.18's
     * epoll a channel that had no interest left (auto-read off, EOF seen) is no longer in the epoll set, so asking
     * to read would fail with ENOENT and abort the connection (a client that sends its request and shuts down its
     * output before the server is connected).
     */
    private static void resumeReading(Channel c) {
        if (!c.isActive() || c instanceof DuplexChannel d && d.isInputShutdown()) {
            return;
        }
        c.config().setAutoRead(true);
    }

    /**
     * Shuts down {@code to}'s output once everything written to it before has gone out. Its own EOF, when it comes,
     * then ends the connection: that channel is closed at once instead of shutting down its input first, which on a
     * socket already closed both ways fails with ENOTCONN inside Netty (an exception per connection).
     */
    private static void halfClose(Channel to) {
        if (to != null && to.isActive()) {
            to.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener((ChannelFutureListener) f -> {
                if (f.channel() instanceof DuplexChannel d && f.channel().isActive()) {
                    d.shutdownOutput();
                    d.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, false);
                }
            });
        }
    }

    private void inactive(boolean clientSide) {
        flushAndClose(clientSide ? server : client);
        finish();
    }

    private void abort(Channel other, Throwable cause) {
        log.debug("connection {}: {}", id, cause.toString());
        if (other != null && other.isActive()) {
            other.config().setOption(ChannelOption.SO_LINGER, 0); // propagate the reset
            other.close();
        }
        client.close();
        if (server != null) {
            server.close();
        }
    }

    private static void flushAndClose(Channel c) {
        if (c != null && c.isActive()) {
            c.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }

    private void checkIdle() {
        if (!activeSinceCheck && established) {
            log.debug("connection {}: idle timeout", id);
            client.close();
            if (server != null) {
                server.close();
            }
        }
        activeSinceCheck = false;
    }

    /** Releases everything once: the connection number, the accept slot, the server slot, the counters. */
    private void finish() {
        if (finished || connecting) {
            return; // a connect in flight finishes the connection when it completes
        }
        finished = true;
        if (early != null) {
            early.forEach(ReferenceCountUtil::release);
            early = null;
        }
        if (idleCheck != null) {
            idleCheck.cancel(false);
        }
        px.registry.unregister(id, this);
        if (target != null) {
            route.closed(target, toClient, fromClient);
        }
    }

    // ---------------------------------------------------------------- the two handlers

    /** The client side: starts selection when the client is accepted, then relays upstream. */
    final class ClientSide extends ChannelInboundHandlerAdapter {
        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            start();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            relay(client, server, msg, true);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            if (server != null) {
                server.flush();
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (client.isWritable() && server != null) {
                resumeReading(server);
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt == ChannelInputShutdownEvent.INSTANCE) {
                eof(true);
            }
            ReferenceCountUtil.release(evt);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            inactive(true);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            abort(server, cause);
        }
    }

    /** The upstream side: relays downstream. */
    final class ServerSide extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            relay(server, client, msg, false);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            client.flush();
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (ctx.channel().isWritable()) {
                resumeReading(client);
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt == ChannelInputShutdownEvent.INSTANCE && ctx.channel() == server) {
                eof(false);
            }
            ReferenceCountUtil.release(evt);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (ctx.channel() == server) {
                inactive(false);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (ctx.channel() == server) {
                abort(client, cause);
            } else {
                ctx.close();
            }
        }
    }

    ClientSide clientHandler() {
        return new ClientSide();
    }
}
