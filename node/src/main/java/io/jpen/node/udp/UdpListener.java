package io.jpen.node.udp;

import io.jpen.node.affinity.ClientKey;
import io.jpen.node.config.Endpoint;
import io.jpen.node.config.Settings;
import io.jpen.node.select.Balancer;
import io.jpen.node.select.Route;
import io.jpen.node.select.Target;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One listening UDP socket and its flows ({@link UdpFlow}, keyed by client address and port). A datagram from a new
 * client address and port goes through Pen's selection exactly like a TCP connection ({@link Route}: client table by
 * address, ACLs, blacklist, limits, algorithm, failover); the flow then keeps its server until it is idle for
 * {@code udp_idle_timeout} seconds or its server is blacklisted (by the UDP health check, or an ICMP port unreachable,
 * which also fails the flow over to the next server).
 *
 * <p>Threading: the channel's event loop only; the flow table needs no lock. With several listening sockets
 * ({@code SO_REUSEPORT}) the kernel sends a given client address and port always to the same one.
 */
final class UdpListener extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger("jpen.udp");
    /** The largest UDP payload: datagrams are never truncated. */
    static final FixedRecvByteBufAllocator RECEIVE = new FixedRecvByteBufAllocator(65536);

    private final UdpServer server;
    private final Balancer balancer;
    private final Map<InetSocketAddress, UdpFlow> flows = new HashMap<>();
    private Channel channel;
    private ScheduledFuture<?> sweeper;
    /** Seconds since this listener started, advanced by the sweeper (a clock without system calls). */
    private long tick;

    UdpListener(UdpServer server, Balancer balancer) {
        this.server = server;
        this.balancer = balancer;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        sweeper = ctx.executor().scheduleAtFixedRate(this::sweep, 1, 1, TimeUnit.SECONDS);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof DatagramPacket p)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        try {
            datagram(p);
        } finally {
            p.release();
        }
    }

    private void datagram(DatagramPacket p) {
        InetSocketAddress from = p.sender();
        UdpFlow flow = flows.get(from);
        if (flow != null && flow.target != null && !flow.connecting && balancer.isBlacklisted(flow.target.id())) {
            close(flow); // its server went down: choose again, as a new client connection would
            flow = null;
        }
        if (flow == null) {
            flow = open(from);
            if (flow == null) {
                return;
            }
        } else {
            flow.target.counters().tryAcquire(0); // Pen: every datagram is a connection
            flow.datagrams++;
        }
        flow.lastActive = tick;
        // a copy sized to the datagram frees the 64 KiB receive buffer at once
        flow.send(p.content().copy());
    }

    /** Selection for a new flow; null if the datagram is to be dropped (no server, conn_max reached). */
    private UdpFlow open(InetSocketAddress from) {
        Settings s = balancer.settingsNow();
        if (!server.flowOpened(s.connMax)) {
            log.debug("conn_max {} flows reached: dropping a datagram from {}", s.connMax, from);
            return null;
        }
        Route route = balancer.route(ClientKey.of(from), from.getPort());
        Target t = route.first();
        if (t == null) {
            server.flowClosed();
            log.debug("no server for UDP client {}: dropping", from);
            return null;
        }
        UdpFlow flow = new UdpFlow(from, route);
        flow.datagrams = 1;
        flows.put(from, flow);
        connect(flow, t);
        return flow;
    }

    private void connect(UdpFlow flow, Target t) {
        flow.target = t;
        flow.connecting = true;
        Settings s = flow.route.settings();
        Endpoint e = t.spec().endpoint();
        if (e.isUnix()) {
            failed(flow, t, "a Unix-socket server cannot take UDP");
            return;
        }
        Bootstrap b = new Bootstrap()
                .group(channel.eventLoop())
                .channel(server.transport().datagramChannel())
                .option(ChannelOption.RCVBUF_ALLOCATOR, RECEIVE)
                .handler(new Upstream(flow));
        ChannelFuture f = s.source != null
                ? b.connect(e.inet(), new InetSocketAddress(s.source, 0))
                : b.connect(e.inet());
        f.addListener((ChannelFutureListener) done -> {
            if (flow.closed) {
                done.channel().close();
                return;
            }
            flow.connecting = false;
            if (!done.isSuccess()) {
                failed(flow, t, "connect failure: " + done.cause().getMessage());
                return;
            }
            flow.upstream = done.channel();
            flow.route.connected(t);
            flow.flushEarly();
        });
    }

    /** The flow's server cannot be used: blacklist it and move the flow to the next server, or end it. */
    private void failed(UdpFlow flow, Target t, String reason) {
        log.debug("UDP flow {}: server {} ({}) failed: {}", flow.client, t.slot(), t.id(), reason);
        Channel old = flow.upstream;
        flow.upstream = null;
        if (old != null) {
            old.close();
        }
        releaseDatagrams(flow, t, flow.datagrams - 1);
        flow.datagrams = 1;
        Target next = flow.route.failed(t, reason);
        if (next == null) {
            flow.target = null;
            close(flow);
            return;
        }
        connect(flow, next);
    }

    private void close(UdpFlow flow) {
        if (flow.closed) {
            return;
        }
        flow.closed = true;
        flows.remove(flow.client, flow);
        flow.dropEarly();
        if (flow.upstream != null) {
            flow.upstream.close();
        }
        if (flow.target != null) {
            releaseDatagrams(flow, flow.target, flow.datagrams - 1);
            flow.route.closed(flow.target, flow.toClient, flow.fromClient);
        }
        server.flowClosed();
    }

    private static void releaseDatagrams(UdpFlow flow, Target t, int n) {
        for (int i = 0; i < n; i++) {
            t.counters().release();
        }
    }

    /** Once a second: forget flows idle for {@code udp_idle_timeout}. */
    private void sweep() {
        tick++;
        int idle = balancer.settingsNow().udpIdleTimeout;
        Iterator<UdpFlow> it = flows.values().iterator();
        while (it.hasNext()) {
            UdpFlow f = it.next();
            if (tick - f.lastActive >= idle && !f.connecting) {
                it.remove();
                close(f);
            }
        }
    }

    /** Ends every flow (listener closing). */
    private void closeAll() {
        for (UdpFlow f : flows.values().toArray(new UdpFlow[0])) {
            close(f);
        }
    }

    int flows() {
        return flows.size();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (sweeper != null) {
            sweeper.cancel(false);
        }
        closeAll();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("UDP listener: {}", cause.toString()); // e.g. ICMP for a reply to a client that went away
    }

    /** The server side of one flow: replies go back to the flow's client. */
    private final class Upstream extends ChannelInboundHandlerAdapter {
        private final UdpFlow flow;

        Upstream(UdpFlow flow) {
            this.flow = flow;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof DatagramPacket p && ctx.channel() == flow.upstream && !flow.closed) {
                    flow.lastActive = tick;
                    flow.reply(channel, p);
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            channel.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (ctx.channel() != flow.upstream || flow.closed) {
                return;
            }
            if (cause instanceof PortUnreachableException) {
                failed(flow, flow.target, "ICMP port unreachable");
            } else {
                log.debug("UDP flow {}: {}", flow.client, cause.toString());
            }
        }
    }
}
