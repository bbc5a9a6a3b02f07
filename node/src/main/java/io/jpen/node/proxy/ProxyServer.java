package io.jpen.node.proxy;

import io.jpen.node.config.Endpoint;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.EpollChannelOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The TCP (or Unix-socket) listener: accepts clients and hands each to a {@link ProxyConnection}. Accepted
 * channels start with auto-read off, so nothing is read before the upstream connection exists.
 */
public final class ProxyServer {
    private static final Logger log = LoggerFactory.getLogger("jpen.listener");

    /** Per-direction buffering bound: reading stops above 256 KiB queued, resumes below 64 KiB. */
    static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(64 * 1024, 256 * 1024);

    private final ProxyServices px;
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final int backlog;
    private final int multiAccept;
    private volatile Channel channel;
    private volatile Endpoint endpoint;

    public ProxyServer(ProxyServices px, EventLoopGroup boss, EventLoopGroup workers, int backlog, int multiAccept) {
        this.px = px;
        this.boss = boss;
        this.workers = workers;
        this.backlog = backlog;
        this.multiAccept = multiAccept;
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
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ProxyConnection c = new ProxyConnection(px, ch);
                        ch.pipeline().addLast("relay", c.clientHandler());
                    }
                });
        if (!e.isUnix()) {
            b.option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, px.balancer.settingsNow().tcpNodelay)
                    .childOption(ChannelOption.SO_KEEPALIVE, true);
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
        log.info("listening on {} ({})", e.spec(), px.transport.name());
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
