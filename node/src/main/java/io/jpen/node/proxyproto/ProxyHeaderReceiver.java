package io.jpen.node.proxyproto;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.util.concurrent.TimeUnit;

/**
 * {@code accept_proxy}: sits behind Netty's {@code HAProxyMessageDecoder} on an accepted channel, reads the PROXY v1
 * or v2 header a balancer in front sends first, and hands the client's real addresses on; then removes itself (the
 * decoder removes itself too and passes on any bytes read with the header). A connection that is not a valid PROXY
 * header, or sends none within {@link #HEADER_TIMEOUT_SECONDS}, is closed. {@code LOCAL} headers (the other
 * balancer's own health checks) and {@code UNKNOWN} protocols keep the connection's own addresses.
 */
public final class ProxyHeaderReceiver extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger("jpen.proxyproto");
    static final int HEADER_TIMEOUT_SECONDS = 10;

    /** Continues the connection with the client's addresses; runs on the channel's event loop. */
    @FunctionalInterface
    public interface Continuation {
        void proceed(SocketAddress client, SocketAddress destination);
    }

    private final Continuation next;
    private ScheduledFuture<?> timeout;

    public ProxyHeaderReceiver(Continuation next) {
        this.next = next;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        timeout = ctx.executor().schedule(() -> {
            log.debug("no PROXY header from {} within {} s: closing", ctx.channel().remoteAddress(), HEADER_TIMEOUT_SECONDS);
            ctx.close();
        }, HEADER_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        ctx.read(); // the accepted channel does not auto-read
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof HAProxyMessage m)) {
            ctx.fireChannelRead(msg); // cannot happen: the decoder sends its message first
            return;
        }
        try {
            timeout.cancel(false);
            SocketAddress client = ctx.channel().remoteAddress();
            SocketAddress destination = ctx.channel().localAddress();
            if (m.command() == HAProxyCommand.PROXY && m.proxiedProtocol() != HAProxyProxiedProtocol.UNKNOWN
                    && m.sourceAddress() != null && isInet(m.proxiedProtocol())) {
                client = address(m.sourceAddress(), m.sourcePort());
                destination = address(m.destinationAddress(), m.destinationPort());
            }
            ctx.pipeline().remove(this);
            next.proceed(client, destination);
        } catch (UnknownHostException e) {
            log.debug("bad address in PROXY header from {}: {}", ctx.channel().remoteAddress(), e.toString());
            ctx.close();
        } finally {
            ReferenceCountUtil.release(m);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("no valid PROXY header from {}: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (timeout != null) {
            timeout.cancel(false);
        }
        ctx.fireChannelInactive();
    }

    private static boolean isInet(HAProxyProxiedProtocol p) {
        return p.addressFamily() == HAProxyProxiedProtocol.AddressFamily.AF_IPv4
                || p.addressFamily() == HAProxyProxiedProtocol.AddressFamily.AF_IPv6;
    }

    /** Numeric literals only (the decoder validated them): no name lookup on the event loop. */
    private static InetSocketAddress address(String literal, int port) throws UnknownHostException {
        return new InetSocketAddress(InetAddress.getByName(literal), port);
    }
}
