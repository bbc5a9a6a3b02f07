package io.jpen.node.proxyproto;

import io.jpen.node.proxy.BackendHook;
import io.jpen.node.proxy.ProxyConnection;
import io.netty.channel.Channel;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * {@code send_proxy} / {@code server N send_proxy}: writes a PROXY protocol v1 or v2 header on a fresh upstream
 * connection, before any client byte, so that any TCP backend (HAProxy, nginx, Postfix...) learns the client's
 * address. Source = the client (or what an accepted PROXY header said), destination = the address the client
 * connected to. An IPv4 and an IPv6 side are both written as IPv6 (v4-mapped); a Unix-socket client gets
 * {@code PROXY UNKNOWN} (v1) or a {@code LOCAL} header (v2). Runs on the connection's event loop.
 */
public final class ProxyHeaderSender implements BackendHook {
    private final BackendHook next;

    /** @param next the hook to run afterwards ({@link BackendHook#NONE} if none) */
    public ProxyHeaderSender(BackendHook next) {
        this.next = next;
    }

    @Override
    public void connected(Channel client, Channel server, ProxyConnection connection) {
        ProxyProtocolMode mode = connection.settings().sendProxy(connection.serverSlot());
        if (mode != ProxyProtocolMode.OFF) {
            HAProxyMessage header = header(mode, connection.clientAddress(), connection.destinationAddress());
            server.pipeline().addFirst("proxy-protocol-out", HAProxyMessageEncoder.INSTANCE);
            server.write(header, server.voidPromise());
            server.pipeline().remove(HAProxyMessageEncoder.INSTANCE);
        }
        next.connected(client, server, connection);
    }

    static HAProxyMessage header(ProxyProtocolMode mode, SocketAddress from, SocketAddress to) {
        HAProxyProtocolVersion version = mode == ProxyProtocolMode.V1 ? HAProxyProtocolVersion.V1 : HAProxyProtocolVersion.V2;
        if (!(from instanceof InetSocketAddress src) || !(to instanceof InetSocketAddress dst)
                || src.getAddress() == null || dst.getAddress() == null) {
            return version == HAProxyProtocolVersion.V1
                    ? new HAProxyMessage(version, HAProxyCommand.PROXY, HAProxyProxiedProtocol.UNKNOWN, null, null, 0, 0)
                    : new HAProxyMessage(version, HAProxyCommand.LOCAL, HAProxyProxiedProtocol.UNKNOWN, null, null, 0, 0);
        }
        InetAddress s = src.getAddress();
        InetAddress d = dst.getAddress();
        boolean v4 = s instanceof Inet4Address && d instanceof Inet4Address;
        String sa = v4 ? s.getHostAddress() : v6(s);
        String da = v4 ? d.getHostAddress() : v6(d);
        return new HAProxyMessage(version, HAProxyCommand.PROXY, v4 ? HAProxyProxiedProtocol.TCP4 : HAProxyProxiedProtocol.TCP6,
                sa, da, src.getPort(), dst.getPort());
    }

    private static String v6(InetAddress a) {
        if (a instanceof Inet6Address) {
            return a.getHostAddress().replaceFirst("%.*$", ""); // no scope id in the header
        }
        byte[] b = a.getAddress();
        return String.format("::ffff:%d.%d.%d.%d", b[0] & 0xff, b[1] & 0xff, b[2] & 0xff, b[3] & 0xff);
    }
}
