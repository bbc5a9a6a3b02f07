package io.jpen.node.udp;

import io.jpen.node.config.Endpoint;
import io.jpen.node.proxy.Transport;
import io.jpen.node.select.Balancer;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollChannelOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Pen's {@code -U}: the UDP listener. With epoll it binds one socket per worker loop on the same address
 * ({@code SO_REUSEPORT}; the kernel spreads clients over them by address and port), else one. Each socket is a
 * {@link UdpListener} with its own flows. {@code conn_max} ({@code -x}) bounds the flows of all of them together: a
 * datagram that would open one more is dropped (Pen drops it when its connection table is full).
 */
public final class UdpServer {
    private static final Logger log = LoggerFactory.getLogger("jpen.listener");

    private final Balancer balancer;
    private final Transport transport;
    private final EventLoopGroup workers;
    private final int sockets;
    private final AtomicInteger flows = new AtomicInteger();
    private volatile List<Channel> channels = List.of();
    private volatile Endpoint endpoint;

    public UdpServer(Balancer balancer, Transport transport, EventLoopGroup workers, int workerCount) {
        this.balancer = balancer;
        this.transport = transport;
        this.workers = workers;
        this.sockets = transport.isEpoll() ? Math.max(1, workerCount) : 1;
    }

    Transport transport() {
        return transport;
    }

    boolean flowOpened(int max) {
        if (flows.incrementAndGet() > max) {
            flows.decrementAndGet();
            return false;
        }
        return true;
    }

    void flowClosed() {
        flows.decrementAndGet();
    }

    /** Open flows on all sockets. */
    public int openFlows() {
        return flows.get();
    }

    /** Binds (blocking the caller, never an event loop); closes the previous sockets once the new ones are bound. */
    public synchronized void bind(Endpoint e) throws IOException {
        if (e.isUnix()) {
            throw new IOException(e.spec() + ": UDP needs an IP address (expected: [host:]port)");
        }
        List<Channel> bound = new ArrayList<>();
        try {
            for (int i = 0; i < sockets; i++) {
                Bootstrap b = new Bootstrap()
                        .group(workers)
                        .channel(transport.datagramChannel())
                        .option(ChannelOption.SO_REUSEADDR, true)
                        .option(ChannelOption.RCVBUF_ALLOCATOR, UdpListener.RECEIVE)
                        .handler(new UdpListener(this, balancer));
                if (transport.isEpoll()) {
                    b.option(EpollChannelOption.SO_REUSEPORT, true).option(EpollChannelOption.IP_FREEBIND, true);
                }
                // every socket binds the port the first one got (matters for port 0 in tests)
                SocketAddress at = i == 0 ? e.inet() : bound.get(0).localAddress();
                bound.add(b.bind(at).syncUninterruptibly().channel());
            }
        } catch (Exception ex) {
            bound.forEach(Channel::close);
            throw new IOException(e.spec() + ": can't bind local address (" + ex.getMessage() + ")", ex);
        }
        List<Channel> old = channels;
        channels = List.copyOf(bound);
        endpoint = e;
        old.forEach(c -> c.close().syncUninterruptibly());
        log.info("listening on {} (udp, {} socket{}, {})", e.spec(), bound.size(), bound.size() == 1 ? "" : "s", transport.name());
    }

    public Endpoint endpoint() {
        return endpoint;
    }

    /** The bound address (tests), or null. */
    public SocketAddress localAddress() {
        List<Channel> c = channels;
        return c.isEmpty() ? null : c.get(0).localAddress();
    }

    public boolean isActive() {
        List<Channel> c = channels;
        return !c.isEmpty() && c.get(0).isActive();
    }

    /** Stops receiving; every flow ends. */
    public void close() {
        for (Channel c : channels) {
            c.close().syncUninterruptibly();
        }
    }
}
