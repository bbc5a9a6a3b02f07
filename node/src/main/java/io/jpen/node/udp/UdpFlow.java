package io.jpen.node.udp;

import io.jpen.node.select.Route;
import io.jpen.node.select.Target;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;

import java.net.InetSocketAddress;
import java.util.ArrayDeque;

/**
 * One UDP flow: the datagrams of one client address and port, sent to one server from a socket of their own (so
 * the server's replies can be told apart and returned to this client). Created by the first datagram, forgotten
 * after {@code udp_idle_timeout} seconds without traffic either way, or when its server is blacklisted.
 *
 * <p>Counters as Pen shows them: every datagram is one of the server's connections ({@code conn}), given back when
 * the flow ends; bytes are counted both ways (Pen's UDP leaves sx/rx at 0).
 *
 * <p>Threading: belongs to the listener channel's event loop, which is also the upstream socket's.
 */
final class UdpFlow {
    /** Datagrams held while the upstream socket is being opened; beyond this a burst is dropped, as UDP may. */
    private static final int MAX_EARLY = 64;

    final InetSocketAddress client;
    final Route route;
    Target target;
    Channel upstream;
    boolean connecting;
    boolean closed;
    /** The listener's tick when traffic last passed. */
    long lastActive;
    /** Datagrams counted in {@code target}'s connections (the first one was reserved by the route). */
    int datagrams;
    long fromClient;
    long toClient;
    private ArrayDeque<ByteBuf> early;

    UdpFlow(InetSocketAddress client, Route route) {
        this.client = client;
        this.route = route;
    }

    /** Forwards one client datagram (takes ownership of {@code data}). */
    void send(ByteBuf data) {
        if (upstream == null || connecting) {
            if (early == null) {
                early = new ArrayDeque<>(4);
            }
            if (early.size() >= MAX_EARLY) {
                data.release();
                return;
            }
            early.add(data);
            return;
        }
        if (!upstream.isWritable()) {
            data.release(); // the socket's buffer is full: drop rather than queue without bound
            return;
        }
        int n = data.readableBytes();
        fromClient += n;
        target.counters().addSent(n);
        upstream.writeAndFlush(data, upstream.voidPromise());
    }

    /** The upstream socket is connected: sends what waited. */
    void flushEarly() {
        ArrayDeque<ByteBuf> q = early;
        early = null;
        if (q != null) {
            for (ByteBuf b : q) {
                send(b);
            }
        }
    }

    /** Returns a server's reply to the client through the listening socket (so it comes from the balancer's address). */
    void reply(Channel listener, DatagramPacket p) {
        int n = p.content().readableBytes();
        toClient += n;
        target.counters().addReceived(n);
        if (!listener.isWritable()) {
            return;
        }
        listener.write(new DatagramPacket(p.content().retain(), client), listener.voidPromise());
    }

    void dropEarly() {
        if (early != null) {
            early.forEach(ReferenceCountUtil::release);
            early = null;
        }
    }
}
