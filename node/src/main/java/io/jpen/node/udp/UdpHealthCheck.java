package io.jpen.node.udp;

import io.jpen.node.config.ServerId;
import io.jpen.node.config.ServerSpec;
import io.jpen.node.config.Settings;
import io.jpen.node.health.HealthBoard;
import io.jpen.node.proxy.Transport;
import io.jpen.node.select.Balancer;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The active UDP health check ({@link UdpCheck}, {@code udp_check}): Pen cannot tell a dead UDP backend (nothing
 * fails on send), so every {@code interval} seconds each server gets a probe datagram from a socket of its own. After
 * {@code fall} unanswered probes in a row the server is blacklisted on the {@link HealthBoard} (so every node of a
 * cluster avoids it) until the check clears it: its status stamp is set {@link #HOLD_MILLIS} ahead, so it stays
 * blacklisted however long it is silent, without re-stamping (the board logs the transition once). After {@code rise}
 * answered probes in a row, a server held by a check (of this node or another: the stamp lies in the future) is
 * cleared; so is every hold when the check is switched off or the server removed. Blacklisting by failed connects or
 * ICMP errors (a stamp of now) is left to expire after {@code -b} as usual.
 *
 * <p>Threading: one event loop; a tick every second reads the current settings, so servers and the check itself can
 * change at run time.
 */
public final class UdpHealthCheck implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger("jpen.health");
    /** How far ahead a silent server's stamp is set: "until the check clears it". */
    static final long HOLD_MILLIS = TimeUnit.DAYS.toMillis(1);

    private final Balancer balancer;
    private final Transport transport;
    private final EventLoop loop;
    private final Map<ServerId, Probe> probes = new HashMap<>();
    private ScheduledFuture<?> ticker;
    private long seconds;

    public UdpHealthCheck(Balancer balancer, Transport transport, EventLoop loop) {
        this.balancer = balancer;
        this.transport = transport;
        this.loop = loop;
    }

    public void start() {
        ticker = loop.scheduleAtFixedRate(this::tick, 1, 1, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        loop.execute(() -> {
            if (ticker != null) {
                ticker.cancel(false);
            }
            probes.values().forEach(Probe::close);
            probes.clear();
        });
    }

    private void tick() {
        seconds++;
        Settings s = balancer.settingsNow();
        UdpCheck check = s.udpCheck;
        Set<ServerId> present = new HashSet<>();
        if (check.enabled()) {
            for (ServerSpec spec : s.servers) {
                if (spec.isEmpty() || spec.endpoint().isUnix()) {
                    continue;
                }
                ServerId id = spec.id();
                present.add(id);
                Probe p = probes.computeIfAbsent(id, k -> new Probe(k, spec.inet()));
                if (seconds - p.lastSent >= check.intervalSeconds()) {
                    p.round(check);
                }
            }
        }
        for (Iterator<Map.Entry<ServerId, Probe>> it = probes.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<ServerId, Probe> e = it.next();
            if (!present.contains(e.getKey())) {
                e.getValue().close();
                release(e.getKey(), "udp check off for this server");
                it.remove();
            }
        }
    }

    /** True while a check holds {@code id} blacklisted (its stamp lies in the future). */
    private boolean held(ServerId id) {
        return balancer.health().status(id) > balancer.now();
    }

    private void release(ServerId id, String reason) {
        if (held(id)) {
            balancer.health().setStatus(id, 0, reason);
        }
    }

    /** The state of one server's check. Event loop only. */
    private final class Probe {
        final ServerId id;
        final InetSocketAddress address;
        Channel channel;
        long lastSent = Long.MIN_VALUE / 2;
        boolean outstanding;
        int fails;
        int oks;
        UdpCheck check;

        Probe(ServerId id, InetSocketAddress address) {
            this.id = id;
            this.address = address;
        }

        /** Scores the previous probe (unanswered = failure) and sends the next. */
        void round(UdpCheck c) {
            check = c;
            if (outstanding) {
                failure();
            }
            lastSent = seconds;
            if (channel == null || !channel.isActive()) {
                open();
                return; // the probe goes out once the socket is connected
            }
            send();
        }

        private void open() {
            new Bootstrap().group(loop).channel(transport.datagramChannel())
                    .option(ChannelOption.RCVBUF_ALLOCATOR, UdpListener.RECEIVE)
                    .handler(new Replies(this))
                    .connect(address)
                    .addListener((ChannelFutureListener) f -> {
                        if (!f.isSuccess()) {
                            outstanding = true; // counts as unanswered at the next round
                            return;
                        }
                        channel = f.channel();
                        send();
                    });
        }

        private void send() {
            outstanding = true;
            channel.writeAndFlush(Unpooled.wrappedBuffer(check.probe()), channel.voidPromise());
        }

        void answered(byte[] reply) {
            if (!outstanding || !check.accepts(reply)) {
                return;
            }
            outstanding = false;
            fails = 0;
            if (++oks >= check.rise()) {
                oks = 0;
                release(id, "udp check: answering again");
            }
        }

        private void failure() {
            oks = 0;
            if (++fails >= check.fall() && !held(id)) {
                log.debug("udp check: {} missed {} probes", id, fails);
                balancer.health().setStatus(id, balancer.now() + HOLD_MILLIS, "udp check: no reply to " + fails + " probes");
            }
        }

        void close() {
            if (channel != null) {
                channel.close();
            }
        }
    }

    private static final class Replies extends ChannelInboundHandlerAdapter {
        private final Probe probe;

        Replies(Probe probe) {
            this.probe = probe;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof DatagramPacket p) {
                    probe.answered(ByteBufUtil.getBytes(p.content()));
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // ICMP port unreachable and the like: the probe stays unanswered
        }
    }
}
