package io.jpen.node.tls;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandler;
import io.netty.handler.ssl.SniHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.Mapping;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;

/**
 * Loaded TLS material for the listener: the default context and, with {@code ssl_sni_path}, one per server name.
 * Immutable: a reload builds a new snapshot and swaps it in; connections keep the engine they started with, so
 * nothing is dropped.
 *
 * @param sni null without {@code ssl_sni_path}; else server name (wildcards allowed) to context, default otherwise
 */
public record TlsSnapshot(TlsConfig config, SslContext defaultContext, Mapping<String, SslContext> sni,
                          String provider) {

    /** A fresh handler for one accepted connection. Runs on its event loop; no I/O. */
    public ChannelHandler newHandler(ByteBufAllocator alloc) {
        boolean serverOrder = config.options().contains("cipher_server_preference");
        if (sni != null) {
            return new SniHandler(sni) {
                @Override
                protected SslHandler newSslHandler(SslContext context, ByteBufAllocator allocator) {
                    return tune(super.newSslHandler(context, allocator), serverOrder);
                }
            };
        }
        return tune(defaultContext.newHandler(alloc), serverOrder);
    }

    private static SslHandler tune(SslHandler h, boolean serverOrder) {
        if (serverOrder) {
            SSLEngine e = h.engine();
            SSLParameters p = e.getSSLParameters();
            p.setUseCipherSuitesOrder(true);
            e.setSSLParameters(p);
        }
        return h;
    }
}
