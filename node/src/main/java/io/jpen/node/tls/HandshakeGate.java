package io.jpen.node.tls;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;

/**
 * Sits behind the TLS handler of an accepted client and holds the connection back until the handshake succeeded:
 * only then is a server chosen and connected ({@code proceed}), so a client that fails the handshake (no or a wrong
 * client certificate, a scanner) never costs a backend connection, and nothing the backend sends can reach the
 * client before the TLS handler (chosen by SNI) is in place. Reads while the handshake runs (the accepted channel
 * does not auto-read); swallows {@code channelActive}, which would otherwise start the connection. Removes itself.
 */
public final class HandshakeGate extends ChannelInboundHandlerAdapter {
    private final Runnable proceed;
    private boolean reading;

    public HandshakeGate(Runnable proceed) {
        this.proceed = proceed;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive() && ctx.channel().isRegistered()) {
            startReading(ctx); // added after a PROXY header: the channel is long active
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        startReading(ctx);
    }

    private void startReading(ChannelHandlerContext ctx) {
        if (!reading) {
            reading = true;
            ctx.read(); // the TLS handler keeps reading until the handshake is done
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SslHandshakeCompletionEvent e) {
            if (e.isSuccess()) {
                ctx.pipeline().remove(this);
                proceed.run();
            } else {
                ctx.close();
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }
}
