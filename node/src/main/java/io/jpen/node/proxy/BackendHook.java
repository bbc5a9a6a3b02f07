package io.jpen.node.proxy;

import io.netty.channel.Channel;

/**
 * Extra work on a freshly connected upstream channel before bytes flow (PROXY protocol header, TLS to the
 * backend...). Runs on the connection's event loop; must not block.
 */
@FunctionalInterface
public interface BackendHook {
    BackendHook NONE = (client, server, connection) -> { };

    void connected(Channel client, Channel server, ProxyConnection connection);
}
