package io.jpen.node.control;

import io.jpen.node.acl.AccessList;
import io.jpen.node.config.Endpoint;
import io.jpen.node.config.SettingsStore;
import io.jpen.node.proxy.Transport;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The penctl-compatible control port: one command per connection, the text up to the first CR or LF (at most
 * 4095 bytes, the rest discarded), then the reply, then close. Denied clients ({@code control_acl}) are closed
 * without a reply.
 *
 * <p>Unlike Pen, nothing here blocks an event loop: the bytes are collected asynchronously, a client that sends
 * nothing is dropped after {@link #SILENT_TIMEOUT_SECONDS}, and the command runs on the single control executor
 * (commands may resolve names, bind, or write files).
 */
public final class ControlServer {
    private static final Logger log = LoggerFactory.getLogger("jpen.control");
    static final int MAX_COMMAND = 4095;
    /** A client that sends no complete line within this time gets what it sent so far executed (Pen: one recv). */
    static final long LINE_WAIT_MILLIS = 1000;
    static final int SILENT_TIMEOUT_SECONDS = 10;

    private final CommandInterpreter interpreter;
    private final SettingsStore settings;
    private final ExecutorService executor;
    private final Transport transport;
    private Channel channel;

    public ControlServer(CommandInterpreter interpreter, SettingsStore settings, ExecutorService executor, Transport transport) {
        this.interpreter = interpreter;
        this.settings = settings;
        this.executor = executor;
        this.transport = transport;
    }

    public void bind(Endpoint e, EventLoopGroup group) throws IOException {
        if (e.isUnix()) {
            Files.deleteIfExists(Path.of(e.unixPath()));
        }
        ServerBootstrap b = new ServerBootstrap().group(group).channel(transport.serverChannel(e))
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new Session());
                    }
                });
        if (!e.isUnix()) {
            b.option(ChannelOption.SO_REUSEADDR, true);
        }
        try {
            channel = b.bind(Transport.address(e)).syncUninterruptibly().channel();
        } catch (Exception ex) {
            throw new IOException(e.spec() + ": can't bind control port (" + ex.getMessage() + ")", ex);
        }
        log.info("control port on {}", e.spec());
    }

    public void close() {
        if (channel != null) {
            channel.close().syncUninterruptibly();
        }
    }

    /** One control connection. Runs on an event loop; only collects bytes and hands the line to the executor. */
    private final class Session extends ChannelInboundHandlerAdapter {
        private final ByteBuf line = Unpooled.buffer(128, MAX_COMMAND);
        private boolean dispatched;
        private ScheduledFuture<?> timer;

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            AccessList acl = settings.current().acl(settings.current().controlAcl);
            byte[] addr = ctx.channel().remoteAddress() instanceof InetSocketAddress isa && isa.getAddress() != null
                    ? isa.getAddress().getAddress() : null;
            if (!acl.permits(addr)) {
                log.debug("control connection from {}: not from there", ctx.channel().remoteAddress());
                ctx.close();
                return;
            }
            timer = ctx.executor().schedule(() -> {
                if (line.isReadable()) {
                    dispatch(ctx);
                } else {
                    ctx.close();
                }
            }, SILENT_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf in = (ByteBuf) msg;
            try {
                if (dispatched) {
                    return;
                }
                while (in.isReadable()) {
                    byte b = in.readByte();
                    if (b == '\r' || b == '\n' || line.writerIndex() >= MAX_COMMAND) {
                        dispatch(ctx);
                        return;
                    }
                    line.writeByte(b);
                }
                if (line.writerIndex() >= MAX_COMMAND) {
                    dispatch(ctx);
                    return;
                }
                // no terminator yet: wait a little for the rest of the line
                if (timer != null) {
                    timer.cancel(false);
                }
                timer = ctx.executor().schedule(() -> dispatch(ctx), LINE_WAIT_MILLIS, TimeUnit.MILLISECONDS);
            } finally {
                ReferenceCountUtil.release(in);
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof io.netty.channel.socket.ChannelInputShutdownEvent) {
                dispatch(ctx); // EOF without newline: the command is what was sent
            }
        }

        private void dispatch(ChannelHandlerContext ctx) {
            if (dispatched) {
                return;
            }
            dispatched = true;
            if (timer != null) {
                timer.cancel(false);
            }
            String command = line.toString(StandardCharsets.ISO_8859_1);
            line.release();
            try {
                executor.execute(() -> {
                    String reply = interpreter.execute(command, CommandInterpreter.Origin.CONTROL);
                    ctx.writeAndFlush(Unpooled.copiedBuffer(reply, StandardCharsets.ISO_8859_1))
                            .addListener(ChannelFutureListener.CLOSE);
                });
            } catch (RejectedExecutionException e) {
                ctx.close();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (timer != null) {
                timer.cancel(false);
            }
            if (!dispatched) {
                dispatched = true;
                line.release();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.debug("control connection: {}", cause.toString());
            ctx.close();
        }
    }
}
