package io.jpen.node.proxy;

import io.jpen.node.config.Endpoint;
import io.jpen.node.config.Settings;
import io.jpen.node.http.ForwardedHeaders;
import io.jpen.node.proxyproto.ProxyHeaderReceiver;
import io.jpen.node.tls.HandshakeGate;
import io.jpen.node.tls.TlsSnapshot;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The TCP (or Unix-socket) listener: accepts clients and hands each to a {@link ProxyConnection}. Accepted
 * channels start with auto-read off, so nothing is read before the upstream connection exists (except a PROXY
 * header with {@code accept_proxy}). Each client's pipeline is assembled here, in {@link #attach}.
 */
public final class ProxyServer {
    private static final Logger log = LoggerFactory.getLogger("jpen.listener");

    /**
     * Per-direction buffering bound: reading stops above 512 KiB queued for the other side, resumes below 128 KiB.
     * With {@link #READS} this bounds what a slow reader costs to under 1 MiB per direction.
     */
    static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(128 * 1024, 512 * 1024);

    /**
     * Read sizes adapt between 64 B and 256 KiB: small for request/response traffic, large for streams, where
     * Netty's 64 KiB default costs a third of a single stream's throughput in syscalls (iperf through jpen on one
     * core: ~5.0 Gbit/s with 64 KiB reads, ~7.8 Gbit/s with 256 KiB).
     */
    static final RecvByteBufAllocator READS = new AdaptiveRecvByteBufAllocator(64, 2048, 256 * 1024);

    private final ProxyServices px;
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final int backlog;
    private final int multiAccept;
    private volatile Channel channel;
    private volatile Endpoint endpoint;
    private boolean quiet;

    public ProxyServer(ProxyServices px, EventLoopGroup boss, EventLoopGroup workers, int backlog, int multiAccept) {
        this.px = px;
        this.boss = boss;
        this.workers = workers;
        this.backlog = backlog;
        this.multiAccept = multiAccept;
    }

    /** No "listening on" line: a private listener (the start-up warm-up) that nobody connects to. */
    ProxyServer quiet() {
        this.quiet = true;
        return this;
    }

    /** Binds (blocking the caller until bound; never called on an event loop). */
    public synchronized void bind(Endpoint e) throws IOException {
        if (e.isUnix()) {
            Files.deleteIfExists(Path.of(e.unixPath())); // as Pen: a stale socket file is replaced
        }
        ServerBootstrap b = new ServerBootstrap()
                .group(boss, workers)
                .channel(px.transport.serverChannel(e))
                .option(ChannelOption.SO_BACKLOG, backlog)
                .option(ChannelOption.MAX_MESSAGES_PER_READ, multiAccept)
                .handler(new AcceptCounter())
                .childOption(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
                .childOption(ChannelOption.RCVBUF_ALLOCATOR, READS)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        Settings s = px.balancer.settingsNow();
                        if (ch instanceof SocketChannel) {
                            // as changed at run time; only what differs from the defaults (TCP_NODELAY on,
                            // SO_KEEPALIVE off), since each option is a syscall per connection
                            if (!s.tcpNodelay) {
                                ch.config().setOption(ChannelOption.TCP_NODELAY, false);
                            }
                            if (s.keepalive) {
                                ch.config().setOption(ChannelOption.SO_KEEPALIVE, true);
                            }
                        }
                        if (s.acceptProxy) {
                            ch.pipeline().addLast("proxy-protocol-in", new HAProxyMessageDecoder());
                            ch.pipeline().addLast("proxy-header", new ProxyHeaderReceiver((from, to) -> attach(ch, from, to, true)));
                        } else {
                            attach(ch, ch.remoteAddress(), ch.localAddress(), false);
                        }
                    }
                });
        if (!e.isUnix()) {
            b.option(ChannelOption.SO_REUSEADDR, true);
            if (px.transport.isEpoll()) {
                // bind a VIP before it arrives (keepalived-style pairs); harmless elsewhere
                b.option(EpollChannelOption.IP_FREEBIND, true);
            }
        }
        Channel ch;
        try {
            ch = b.bind(Transport.address(e)).syncUninterruptibly().channel();
        } catch (Exception ex) {
            throw new IOException(e.spec() + ": can't bind local address (" + ex.getMessage() + ")", ex);
        }
        px.gate.bind(ch);
        Channel old = channel;
        channel = ch;
        endpoint = e;
        if (old != null) {
            old.close().syncUninterruptibly();
        }
        if (!quiet) {
            log.info("listening on {} ({})", e.spec(), px.transport.name());
        }
    }

    /**
     * The client's pipeline once its address is known (at accept, or after an accepted PROXY header):
     * {@code tls} (termination, SNI) → {@code tls-handshake} → {@code http-forwarded} (X-Forwarded-For/-Proto) →
     * {@code relay}.
     *
     * @param late the channel is already active: start selection now instead of on channelActive
     */
    private void attach(Channel ch, SocketAddress from, SocketAddress to, boolean late) {
        ProxyConnection c = new ProxyConnection(px, ch, from, to);
        ChannelPipeline p = ch.pipeline();
        TlsSnapshot tls = px.tls.current();
        if (tls != null) {
            p.addLast("tls", tls.newHandler(ch.alloc()));
            p.addLast("tls-handshake", new HandshakeGate(c::start)); // selection waits for a successful handshake
        }
        if (c.settings().http) {
            p.addLast("http-forwarded", new ForwardedHeaders(c.clientKey().isUnix() ? null : c.clientKey().toString(), tls != null));
        }
        p.addLast("relay", c.clientHandler());
        if (late && tls == null) {
            c.start();
        }
    }

    public Endpoint endpoint() {
        return endpoint;
    }

    public Channel channel() {
        return channel;
    }

    /** Stops accepting (existing connections go on). */
    public void close() {
        Channel ch = channel;
        if (ch != null) {
            ch.close().syncUninterruptibly();
        }
    }

    /** Counts accepted clients for {@code conn_max} before they are handed to a worker loop. */
    @ChannelHandler.Sharable
    private final class AcceptCounter extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof Channel child) {
                px.gate.opened();
                child.closeFuture().addListener(f -> px.gate.closed());
            }
            ctx.fireChannelRead(msg);
        }
    }
}
