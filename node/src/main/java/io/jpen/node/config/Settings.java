package io.jpen.node.config;

import io.jpen.node.acl.AccessList;
import io.jpen.node.proxyproto.ProxyProtocolMode;
import io.jpen.node.tls.TlsConfig;
import io.jpen.node.udp.UdpCheck;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The runtime configuration of a node: everything Pen lets an operator change through {@code penctl}.
 * Immutable: a change builds a new snapshot that is swapped in atomically (see {@link SettingsStore}); a
 * connection keeps the snapshot it started with. Each field documents its default, which is Pen's.
 */
public final class Settings {
    public static final int ACL_LISTS = 10;

    /** Server slots, index = Pen's server number. Empty slots ({@link ServerSpec#EMPTY}) are never chosen. */
    public final List<ServerSpec> servers;
    /** Access lists 0-9; list 0 is conventionally empty (permit all). */
    public final List<AccessList> acls;
    /** {@code -e}: used only when every server failed; null = none. */
    public final ServerSpec emergency;
    /** {@code -B}: where clients denied by {@code client_acl} go; null = none. */
    public final ServerSpec abuse;

    /** {@code -b}, {@code blacklist}: seconds a failed server is avoided. Default 30. */
    public final int blacklistSeconds;
    /** {@code -t}, {@code timeout}: upstream connect timeout in seconds. Default 3. */
    public final int timeoutSeconds;
    /** {@code -T}, {@code tracking}: seconds a client is remembered, 0 = forever. Default 0. */
    public final int trackingSeconds;
    /** {@code -c}, {@code clients_max}: client table size (LRU beyond). Default 2048. */
    public final int clientsMax;
    /** {@code -x}, {@code conn_max}: simultaneous client connections; more wait in the listen backlog. Default 500. */
    public final int connMax;
    /** {@code client_acl}: access list applied to clients. Default 0. */
    public final int clientAcl;
    /** {@code control_acl}: access list applied to control connections. Default 0. */
    public final int controlAcl;
    /** {@code -d}, {@code debug}: log verbosity; 0 = info, 1 = debug, 2+ = trace. */
    public final int debug;
    /** {@code idle_timeout}: close connections idle this many seconds, 0 = never. Default 0. */
    public final int idleTimeout;
    /** {@code pending_max}: accepting pauses while this many upstream connects are in progress. Default 100. */
    public final int pendingMax;

    /** {@code -h}, {@code hash}: pick by client address hash. */
    public final boolean hash;
    /** {@code -r}, {@code roundrobin}: ignore the client table (and mix the source port into the hash). */
    public final boolean roundrobin;
    /** {@code -s}, {@code stubborn}: never fail over; close the client instead. */
    public final boolean stubborn;
    /** {@code -W}, {@code weight}: pick the least loaded server relative to its weight. */
    public final boolean weight;
    /** {@code prio}: pick the available server with the lowest prio. */
    public final boolean prio;
    /** {@code -H}, {@code http}: add X-Forwarded-For and X-Forwarded-Proto to every HTTP request (unless present). */
    public final boolean http;
    /** {@code -a}, {@code ascii}: ascii instead of hex in traffic dumps. */
    public final boolean ascii;
    /** {@code tcp_nodelay}. jpen default ON (Pen: off), because Pen's bulk throughput suffers from Nagle. */
    public final boolean tcpNodelay;
    /** {@code transparent}: connect upstream from the client's address (IP_TRANSPARENT; see deploy/transparent.md). */
    public final boolean transparent;
    /** {@code keepalive}: SO_KEEPALIVE on client and upstream sockets (off: idle peers are found by idle_timeout). */
    public final boolean keepalive;
    /** {@code tcp_fastclose}. Default off. */
    public final TcpFastclose tcpFastclose;

    /** {@code -l}, {@code log}: request log file or null. */
    public final String logFile;
    /** {@code -w}, {@code web_stats}: HTML status file or null. */
    public final String webStatsFile;
    /** {@code source}: fixed local address for upstream connections, or null. */
    public final String source;

    /** TLS termination on the listener ({@code -E} ... and {@code ssl_*}). Default {@link TlsConfig#NONE}: off. */
    public final TlsConfig tls;
    /** {@code send_proxy v1|v2|off}: PROXY protocol header to every backend without its own setting. Default off. */
    public final ProxyProtocolMode sendProxy;
    /** {@code server N send_proxy v1|v2|off}: per slot, overrides {@link #sendProxy}. Default empty. */
    public final Map<Integer, ProxyProtocolMode> serverSendProxy;
    /** {@code accept_proxy}: every client connection starts with a PROXY v1/v2 header from a balancer in front;
     *  its source address is the client for selection, ACLs, logs and headers. Default off. */
    public final boolean acceptProxy;
    /** {@code udp_check}: active health check of UDP backends ({@code -U}). Default off. */
    public final UdpCheck udpCheck;
    /** {@code udp_idle_timeout}: seconds after which a silent UDP flow (client address and port) is forgotten.
     *  Default 10. */
    public final int udpIdleTimeout;

    private Settings(Builder b) {
        servers = List.copyOf(b.servers);
        acls = List.of(b.acls.clone());
        emergency = b.emergency;
        abuse = b.abuse;
        blacklistSeconds = b.blacklistSeconds;
        timeoutSeconds = b.timeoutSeconds;
        trackingSeconds = b.trackingSeconds;
        clientsMax = b.clientsMax;
        connMax = b.connMax;
        clientAcl = b.clientAcl;
        controlAcl = b.controlAcl;
        debug = b.debug;
        idleTimeout = b.idleTimeout;
        pendingMax = b.pendingMax;
        hash = b.hash;
        roundrobin = b.roundrobin;
        stubborn = b.stubborn;
        weight = b.weight;
        prio = b.prio;
        http = b.http;
        ascii = b.ascii;
        tcpNodelay = b.tcpNodelay;
        transparent = b.transparent;
        keepalive = b.keepalive;
        tcpFastclose = b.tcpFastclose;
        logFile = b.logFile;
        webStatsFile = b.webStatsFile;
        source = b.source;
        tls = b.tls;
        sendProxy = b.sendProxy;
        serverSendProxy = Map.copyOf(b.serverSendProxy);
        acceptProxy = b.acceptProxy;
        udpCheck = b.udpCheck;
        udpIdleTimeout = b.udpIdleTimeout;
    }

    public static Settings defaults() {
        return new Builder().build();
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    public AccessList acl(int n) {
        return acls.get(n);
    }

    /** The PROXY protocol header to send to server slot {@code slot} (-1/-2: emergency/abuse use the global one). */
    public ProxyProtocolMode sendProxy(int slot) {
        ProxyProtocolMode m = serverSendProxy.get(slot);
        return m != null ? m : sendProxy;
    }

    /** Pen's {@code mode} reply. */
    public String modeLine() {
        return (hash ? "" : "no ") + "hash " + (roundrobin ? "" : "no ") + "roundrobin " + (stubborn ? "" : "no ")
                + "stubborn " + (weight ? "" : "no ") + "weight " + (prio ? "" : "no ") + "prio";
    }

    /** Mutable companion used to derive a new snapshot. */
    public static final class Builder {
        private final List<ServerSpec> servers;
        private final AccessList[] acls;
        public ServerSpec emergency;
        public ServerSpec abuse;
        public int blacklistSeconds = 30;
        public int timeoutSeconds = 3;
        public int trackingSeconds = 0;
        public int clientsMax = 2048;
        public int connMax = 500;
        public int clientAcl = 0;
        public int controlAcl = 0;
        public int debug = 0;
        public int idleTimeout = 0;
        public int pendingMax = 100;
        public boolean hash;
        public boolean roundrobin;
        public boolean stubborn;
        public boolean weight;
        public boolean prio;
        public boolean http;
        public boolean ascii;
        public boolean tcpNodelay = true;
        public boolean transparent;
        public boolean keepalive;
        public TcpFastclose tcpFastclose = TcpFastclose.OFF;
        public String logFile;
        public String webStatsFile;
        public String source;
        public TlsConfig tls = TlsConfig.NONE;
        public ProxyProtocolMode sendProxy = ProxyProtocolMode.OFF;
        public final Map<Integer, ProxyProtocolMode> serverSendProxy = new TreeMap<>();
        public boolean acceptProxy;
        public UdpCheck udpCheck = UdpCheck.OFF;
        public int udpIdleTimeout = 10;

        public Builder() {
            servers = new ArrayList<>();
            acls = new AccessList[ACL_LISTS];
            Arrays.fill(acls, AccessList.EMPTY);
        }

        private Builder(Settings s) {
            servers = new ArrayList<>(s.servers);
            acls = s.acls.toArray(new AccessList[0]);
            emergency = s.emergency;
            abuse = s.abuse;
            blacklistSeconds = s.blacklistSeconds;
            timeoutSeconds = s.timeoutSeconds;
            trackingSeconds = s.trackingSeconds;
            clientsMax = s.clientsMax;
            connMax = s.connMax;
            clientAcl = s.clientAcl;
            controlAcl = s.controlAcl;
            debug = s.debug;
            idleTimeout = s.idleTimeout;
            pendingMax = s.pendingMax;
            hash = s.hash;
            roundrobin = s.roundrobin;
            stubborn = s.stubborn;
            weight = s.weight;
            prio = s.prio;
            http = s.http;
            ascii = s.ascii;
            tcpNodelay = s.tcpNodelay;
            transparent = s.transparent;
            keepalive = s.keepalive;
            tcpFastclose = s.tcpFastclose;
            logFile = s.logFile;
            webStatsFile = s.webStatsFile;
            source = s.source;
            tls = s.tls;
            sendProxy = s.sendProxy;
            serverSendProxy.putAll(s.serverSendProxy);
            acceptProxy = s.acceptProxy;
            udpCheck = s.udpCheck;
            udpIdleTimeout = s.udpIdleTimeout;
        }

        public List<ServerSpec> servers() {
            return servers;
        }

        /** Returns slot {@code n}, growing the table with empty slots as Pen does for {@code server N} with a large N. */
        public ServerSpec server(int n) {
            while (servers.size() <= n) {
                servers.add(ServerSpec.EMPTY);
            }
            return servers.get(n);
        }

        public Builder server(int n, ServerSpec spec) {
            server(n);
            servers.set(n, spec);
            return this;
        }

        public Builder addServer(ServerSpec spec) {
            servers.add(spec);
            return this;
        }

        public Builder clearServers() {
            servers.clear();
            return this;
        }

        public AccessList acl(int n) {
            return acls[n];
        }

        public Builder acl(int n, AccessList list) {
            acls[n] = list;
            return this;
        }

        public Settings build() {
            return new Settings(this);
        }
    }
}
