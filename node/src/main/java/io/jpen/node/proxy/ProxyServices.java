package io.jpen.node.proxy;

import io.jpen.node.select.Balancer;
import io.jpen.node.stats.RequestLog;
import io.jpen.node.tls.TlsContexts;

/**
 * What every proxied connection of a node shares: the balancer, the transport, the registry of open
 * connections, the accept gate, the request log and the TLS material. One instance per node; all members are thread-safe.
 */
public final class ProxyServices {
    final Balancer balancer;
    final Transport transport;
    final ConnectionRegistry registry;
    final AcceptGate gate;
    volatile RequestLog requestLog;
    final BackendHook backendHook;
    final TlsContexts tls;

    public ProxyServices(Balancer balancer, Transport transport, ConnectionRegistry registry, RequestLog requestLog,
                         BackendHook backendHook) {
        this(balancer, transport, registry, requestLog, backendHook, new TlsContexts());
    }

    /** @param tls the listener's TLS material (TLS off while it holds none) */
    public ProxyServices(Balancer balancer, Transport transport, ConnectionRegistry registry, RequestLog requestLog,
                         BackendHook backendHook, TlsContexts tls) {
        this.tls = tls;
        this.balancer = balancer;
        this.transport = transport;
        this.registry = registry;
        this.requestLog = requestLog;
        this.backendHook = backendHook;
        this.gate = new AcceptGate(() -> balancer.settingsNow().connMax, () -> balancer.settingsNow().pendingMax);
    }

    /** Switches the request log (null = off); the caller closes the old one. */
    public void requestLog(RequestLog log) {
        this.requestLog = log;
    }

    public RequestLog requestLog() {
        return requestLog;
    }

    public Balancer balancer() {
        return balancer;
    }

    public ConnectionRegistry registry() {
        return registry;
    }

    public Transport transport() {
        return transport;
    }

    /** Open client connections (for {@code status} and tests). */
    public int openConnections() {
        return gate.open();
    }

    /** Re-checks {@code conn_max}/{@code pending_max} after a settings change. */
    public void limitsChanged() {
        gate.limitsChanged();
    }
}
