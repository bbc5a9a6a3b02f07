package io.jpen.node.proxy;

import io.jpen.node.config.Endpoint;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.Inet4Address;
import java.net.SocketAddress;

/**
 * The I/O transport: Netty's native epoll where it loads (Linux), NIO otherwise (logged once). Unix-domain
 * sockets need epoll.
 */
public final class Transport {
    private static final Logger log = LoggerFactory.getLogger("jpen.transport");

    private final boolean epoll;

    private Transport(boolean epoll) {
        this.epoll = epoll;
    }

    /** Epoll if available and not disabled with {@code -Djpen.transport=nio}. */
    public static Transport detect() {
        boolean wantNio = "nio".equalsIgnoreCase(System.getProperty("jpen.transport"));
        if (!wantNio && Epoll.isAvailable()) {
            return new Transport(true);
        }
        if (!wantNio) {
            log.warn("native epoll transport unavailable ({}); falling back to NIO", Epoll.unavailabilityCause().toString());
        }
        return new Transport(false);
    }

    public boolean isEpoll() {
        return epoll;
    }

    public String name() {
        return epoll ? "epoll" : "nio";
    }

    public EventLoopGroup newGroup(int threads, String name) {
        IoHandlerFactory f = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(name, true), f);
    }

    public Class<? extends ServerChannel> serverChannel(Endpoint e) {
        if (e.isUnix()) {
            requireEpoll(e);
            return EpollServerDomainSocketChannel.class;
        }
        return epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    /**
     * Creates upstream channels for {@code e} without reflection, and for an IPv4 backend an IPv4 socket: Netty's
     * epoll default is a dual-stack IPv6 socket, which costs an extra setsockopt per connection and shows
     * v4-mapped addresses.
     */
    public ChannelFactory<Channel> clientChannelFactory(Endpoint e) {
        if (e.isUnix()) {
            requireEpoll(e);
            return EpollDomainSocketChannel::new;
        }
        if (!epoll) {
            return NioSocketChannel::new;
        }
        if (e.inet().getAddress() instanceof Inet4Address) {
            return () -> new EpollSocketChannel(SocketProtocolFamily.INET);
        }
        return EpollSocketChannel::new;
    }

    public Class<? extends DatagramChannel> datagramChannel() {
        return epoll ? EpollDatagramChannel.class : NioDatagramChannel.class;
    }

    public static SocketAddress address(Endpoint e) {
        return e.isUnix() ? new DomainSocketAddress(e.unixPath()) : e.inet();
    }

    private void requireEpoll(Endpoint e) {
        if (!epoll) {
            throw new IllegalStateException(e.spec() + ": Unix-domain sockets need the native epoll transport");
        }
    }
}
