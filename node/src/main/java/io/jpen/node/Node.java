package io.jpen.node;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import io.jpen.node.affinity.ClientTable;
import io.jpen.node.affinity.LocalClientTable;
import io.jpen.node.config.ConfigException;
import io.jpen.node.config.Endpoint;
import io.jpen.node.config.LocalSettingsStore;
import io.jpen.node.config.ServerSpec;
import io.jpen.node.config.Settings;
import io.jpen.node.config.SettingsStore;
import io.jpen.node.config.StartupOptions;
import io.jpen.node.control.CommandInterpreter;
import io.jpen.node.control.CommandInterpreter.Origin;
import io.jpen.node.control.ControlServer;
import io.jpen.node.health.BlacklistRecheck;
import io.jpen.node.health.HealthBoard;
import io.jpen.node.health.LocalHealthBoard;
import io.jpen.node.proxy.BackendHook;
import io.jpen.node.proxy.ConnectionRegistry;
import io.jpen.node.proxy.DataPathWarmup;
import io.jpen.node.proxy.ProxyConnection;
import io.jpen.node.proxy.ProxyServer;
import io.jpen.node.proxy.ProxyServices;
import io.jpen.node.proxy.Transport;
import io.jpen.node.proxyproto.ProxyHeaderSender;
import io.jpen.node.select.Balancer;
import io.jpen.node.spi.NodeContext;
import io.jpen.node.spi.NodeExtension;
import io.jpen.node.spi.SharedState;
import io.jpen.node.stats.RequestLog;
import io.jpen.node.stats.ServerCounterTable;
import io.jpen.node.stats.StatusPage;
import io.jpen.node.tls.TlsContexts;
import io.jpen.node.udp.UdpHealthCheck;
import io.jpen.node.udp.UdpServer;
import io.netty.channel.EventLoopGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * One jpen process: assembles the configuration (options, {@code -o}, {@code -F}, positional servers, in Pen's
 * order), the shared-state implementations (local, or a cluster's), the balancer, the listener and the control
 * port, and runs the lifecycle (start, SIGHUP reload, SIGUSR1 stats, stop).
 */
public final class Node implements NodeContext {
    private static final Logger log = LoggerFactory.getLogger("jpen.node");
    /** Start-up warm-up of the data path ({@link DataPathWarmup}): connections, and the most it may take. */
    private static final int WARMUP_CONNECTIONS = 20;
    private static final java.time.Duration WARMUP_LIMIT = java.time.Duration.ofSeconds(3);

    private final StartupOptions options;
    private volatile String nodeName;
    /** The control port: {@code -C}, or {@code control SPEC} in the -F file. */
    private volatile String controlSpec;
    private final CommandInterpreter interpreter;
    private final ServerCounterTable counters = new ServerCounterTable();
    private final ConnectionRegistry connections = new ConnectionRegistry();
    private final ExecutorService controlExecutor;
    private final List<NodeExtension> extensions = new ArrayList<>();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile int drainSeconds;
    private SettingsStore settings;
    private ClientTable clients;
    private HealthBoard health;
    private volatile Endpoint listenEndpoint;
    private Transport transport;
    private EventLoopGroup workers;
    private ProxyServices proxy;
    private ProxyServer listener;
    /** {@code -U}: the UDP listener instead of {@link #listener}, and its health check. */
    private UdpServer udp;
    private UdpHealthCheck udpCheck;
    private final TlsContexts tls = new TlsContexts();
    private ControlServer control;
    private BackendHook backendHook = BackendHook.NONE;
    private volatile boolean stopping;
    private volatile int exitStatus;

    private Node(StartupOptions options) {
        this.options = options;
        this.nodeName = options.nodeName() != null ? options.nodeName() : defaultName();
        this.controlSpec = options.control();
        Settings.Builder initial = new Settings.Builder();
        initial.debug = options.debug();
        this.settings = new LocalSettingsStore(initial.build());
        this.clients = new LocalClientTable(2048, 0);
        this.health = new LocalHealthBoard();
        this.controlExecutor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "jpen-control");
            t.setDaemon(true);
            return t;
        });
        this.interpreter = new CommandInterpreter(this);
        Map<String, String> ext = new HashMap<>(options.extensionOptions());
        this.drainSeconds = ext.containsKey("drain_timeout")
                ? io.jpen.node.config.Numbers.parseInt(ext.get("drain_timeout"), "--drain-timeout", 0, 3600) : 0;
    }

    /**
     * Builds a node from its command line: runs option settings, {@code -o} commands, the {@code -F} file and the
     * positional servers, then lets extensions take their options and share state.
     *
     * @param out where start-up command replies go (Pen prints them on stdout)
     * @throws ConfigException naming the offending token, file and line
     */
    public static Node create(StartupOptions options, Iterable<NodeExtension> candidates, PrintStream out) {
        Node n = new Node(options);
        n.configure(candidates, out);
        return n;
    }

    private void configure(Iterable<NodeExtension> candidates, PrintStream out) {
        Map<String, String> extOptions = new HashMap<>(options.extensionOptions());
        extOptions.remove("drain_timeout");
        interpreter.registerPrefix("cluster_", this::extensionOption);
        interpreter.registerPrefix("vip_", this::extensionOption);
        interpreter.registerPrefix("jgroups_", this::extensionOption);
        if (options.listen() != null) {
            listenEndpoint = Endpoint.parse(options.listen(), "0.0.0.0");
        }
        for (String c : options.settingOptions()) {
            interpreter.runScript(List.of(c), "command line", Origin.STARTUP);
        }
        for (String c : options.commands()) {
            out.print(interpreter.runScript(List.of(c), "-o '" + c + "'", Origin.STARTUP));
        }
        if (options.configFile() != null) {
            out.print(interpreter.runFile(Path.of(options.configFile()), Origin.FILE));
        }
        if (listenEndpoint == null) {
            throw ConfigException.of("", "no listen address: give one on the command line or 'listen' in the -F file");
        }
        int listenPort = listenEndpoint.isUnix() ? 0 : listenEndpoint.inet().getPort();
        List<ServerSpec> positional = new ArrayList<>();
        for (String s : options.servers()) {
            positional.add(ServerSpec.parse(s, listenPort));
        }
        ServerSpec emergency = options.emergency() == null ? null : ServerSpec.parseSpecial(options.emergency(), listenPort);
        ServerSpec abuse = options.abuse() == null ? null : ServerSpec.parseSpecial(options.abuse(), listenPort);
        settings.update(s -> {
            Settings.Builder b = s.toBuilder();
            for (int i = 0; i < positional.size(); i++) {
                // as Pen: positional servers overwrite the slots the file set up, keeping their ACLs
                b.server(i, positional.get(i).withAcl(b.server(i).acl()));
            }
            if (emergency != null) {
                b.emergency = emergency;
            }
            if (abuse != null) {
                b.abuse = abuse;
            }
            return b.build();
        }, "command line");
        extOptions.putAll(fileExtensionOptions);
        SharedState shared = new SharedState(settings, clients, health);
        java.util.Set<String> known = new java.util.HashSet<>();
        List<NodeExtension> all = new ArrayList<>();
        candidates.forEach(all::add);
        for (NodeExtension e : all) {
            known.addAll(e.keys());
        }
        for (String key : extOptions.keySet()) {
            if (!known.contains(key)) {
                throw ConfigException.of(key, "unknown setting (no module on the class path takes it)");
            }
        }
        Map<String, String> view = java.util.Collections.unmodifiableMap(extOptions);
        for (NodeExtension e : all) {
            if (e.configure(view)) {
                extensions.add(e);
                shared = e.share(shared);
                log.info("extension {} enabled", e.name());
            }
        }
        settings = shared.settings();
        clients = shared.clients();
        health = shared.health();
    }

    private final Map<String, String> fileExtensionOptions = new HashMap<>();

    private void extensionOption(CommandInterpreter.Args a, CommandInterpreter.Exec e) {
        if (e.origin() == Origin.CONTROL) {
            throw ConfigException.of(a.word(0), "can only be set at start (in the -F file or as a --option)");
        }
        a.require(1, "value (expected: " + a.word(0) + " VALUE)");
        // the rest of the line: a script with its arguments (vip_check_script /path/check --fast) is one value
        StringBuilder v = new StringBuilder(a.word(1));
        for (int i = 2; i < a.size(); i++) {
            v.append(' ').append(a.word(i));
        }
        String value = v.toString();
        if (!started) {
            fileExtensionOptions.put(a.word(0), value);
        } else if (!Objects.equals(value, fileExtensionOptions.get(a.word(0)))) {
            log.warn("{} changed in the config file: takes effect at the next start", a.word(0));
        }
    }

    private volatile boolean started;

    /** Sets a hook run on every fresh upstream connection (PROXY protocol, ...). Before {@link #start}. */
    public void backendHook(BackendHook hook) {
        this.backendHook = hook;
    }

    /** Binds the listener and the control port, writes the pid file, starts extensions. */
    public void start() throws IOException {
        transport = Transport.detect();
        // One group for accepting and relaying: an accepted client stays on the loop that accepted it when there is
        // one worker (no cross-thread hand-off per connection), and is spread over the loops when there are more.
        workers = transport.newGroup(options.workers(), "jpen-io");
        Settings s = settings.current();
        if (options.udp() && s.tls.enabled()) {
            throw ConfigException.of("-U", "TLS termination needs TCP (expected: -U without -E/ssl_certificate)");
        }
        tls.start(s.tls); // a bad certificate or key stops the start, naming the file
        clients.configure(s.clientsMax, s.trackingSeconds * 1000L);
        Balancer balancer = new Balancer(settings, clients, health, counters, System::currentTimeMillis);
        proxy = new ProxyServices(balancer, transport, connections, null, new ProxyHeaderSender(backendHook), tls);
        recheck = new BlacklistRecheck(health, balancer.ownBlacklistings(),
                () -> settings.current().timeoutSeconds * 1000);
        applyLocal(s, null);
        settings.addListener(next -> controlExecutor.execute(() -> applyLocal(next, null)));
        if (options.udp()) {
            udp = new UdpServer(balancer, transport, workers, options.workers());
            udp.bind(listenEndpoint);
            udpCheck = new UdpHealthCheck(balancer, transport, workers.next());
            udpCheck.start();
        } else {
            // before the first client: a standby given a VIP gets all its clients at once, on warm code
            java.time.Duration warm = DataPathWarmup.run(transport, workers, WARMUP_CONNECTIONS, WARMUP_LIMIT);
            if (warm != null) {
                log.info("data path warmed up in {} ms ({} loopback connections)", warm.toMillis(), WARMUP_CONNECTIONS);
            }
            listener = new ProxyServer(proxy, workers, workers, options.backlog(), options.multiAccept());
            listener.bind(listenEndpoint);
        }
        if (controlSpec != null) {
            control = new ControlServer(interpreter, settings, controlExecutor, transport);
            control.bind(Endpoint.parse(controlSpec, "127.0.0.1"), workers);
        }
        if (options.pidFile() != null) {
            Files.writeString(Path.of(options.pidFile()), pid() + "\n");
        }
        started = true;
        for (NodeExtension e : extensions) {
            e.start(this);
        }
        log.info("jpen node {} started: {} servers, {} workers", nodeName, s.servers.size(), options.workers());
    }

    private RequestLog requestLog;
    private BlacklistRecheck recheck;

    /** Applies the parts of a settings change that live outside the snapshot. Runs on the control executor. */
    private void applyLocal(Settings s, Object ignored) {
        clients.configure(s.clientsMax, s.trackingSeconds * 1000L);
        proxy.limitsChanged();
        tls.reload(s.tls, false);
        setLogLevel(s.debug);
        String want = s.logFile;
        String have = requestLog == null ? null : requestLog.file().toString();
        if (!Objects.equals(want, have)) {
            RequestLog old = requestLog;
            requestLog = null;
            if (want != null) {
                try {
                    requestLog = new RequestLog(Path.of(want));
                } catch (IOException e) {
                    log.warn("cannot open request log {}: {}", want, e.toString());
                }
            }
            proxy.requestLog(requestLog);
            if (old != null) {
                old.close();
            }
        }
    }

    static void setLogLevel(int debug) {
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext lc) {
            Level level = debug <= 0 ? Level.INFO : debug == 1 ? Level.DEBUG : Level.TRACE;
            lc.getLogger("jpen").setLevel(level);
        }
    }

    /**
     * SIGHUP: re-reads the {@code -F} file (all or nothing), reloads the TLS certificates and keys (renewed files
     * under the same names; a file that cannot be loaded leaves the certificate in force) and reopens the request
     * log. Open connections are not touched. Returns at once; the work runs on the control executor.
     */
    public void reload() {
        controlExecutor.execute(() -> {
            if (options.configFile() != null) {
                try {
                    interpreter.runFile(Path.of(options.configFile()), Origin.FILE);
                    log.info("reloaded {}", options.configFile());
                } catch (ConfigException e) {
                    log.error("reload rejected, the running configuration stays: {}", e.getMessage());
                }
            }
            tls.reload(settings.current().tls, true);
            if (requestLog != null) {
                requestLog.reopen();
            }
        });
    }

    /** SIGUSR1: writes the {@code -w} page, or the same figures to the log. */
    public void dumpStats() {
        controlExecutor.execute(() -> {
            try {
                if (writeStatusPage() == null) {
                    log.info("stats:\n{}", StatusPage.text(settings.current(), counters, health, clients.snapshot(),
                            proxy.openConnections(), now()));
                }
            } catch (IOException e) {
                log.warn("cannot write status page: {}", e.toString());
            }
        });
    }

    /**
     * Stops: extensions first (a VIP holder hands over), then the listener closes, open connections drain for up to
     * the drain time, the rest are closed. Idempotent.
     */
    public void stop() {
        synchronized (this) {
            if (stopping) {
                return;
            }
            stopping = true;
        }
        log.info("stopping");
        for (NodeExtension e : extensions) {
            try {
                e.beforeStop();
            } catch (RuntimeException ex) {
                log.warn("extension {} beforeStop failed", e.name(), ex);
            }
        }
        if (listener != null) {
            listener.close();
        }
        if (udpCheck != null) {
            udpCheck.close();
        }
        if (udp != null) {
            udp.close();
        }
        if (control != null) {
            control.close();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(drainSeconds);
        while (proxy != null && proxy.openConnections() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(50); // the main thread, never an event loop
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        for (ProxyConnection c : connections.snapshot()) {
            c.close();
        }
        for (NodeExtension e : extensions) {
            try {
                e.close();
            } catch (RuntimeException ex) {
                log.warn("extension {} close failed", e.name(), ex);
            }
        }
        if (workers != null) {
            workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
        if (requestLog != null) {
            requestLog.close();
        }
        if (recheck != null) {
            recheck.close();
        }
        controlExecutor.shutdown();
        if (options.pidFile() != null) {
            try {
                Files.deleteIfExists(Path.of(options.pidFile()));
            } catch (IOException e) {
                log.warn("cannot remove pid file: {}", e.toString());
            }
        }
        log.info("stopped");
        stopped.countDown();
    }

    /** Blocks until {@link #stop} finished; returns the exit status. */
    public int awaitStop() throws InterruptedException {
        stopped.await();
        return exitStatus;
    }

    private static String defaultName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "jpen";
        }
    }

    // ---------------------------------------------------------------- NodeContext

    @Override
    public SettingsStore settings() {
        return settings;
    }

    @Override
    public HealthBoard health() {
        return health;
    }

    @Override
    public ClientTable clients() {
        return clients;
    }

    @Override
    public ServerCounterTable counters() {
        return counters;
    }

    @Override
    public ConnectionRegistry connections() {
        return connections;
    }

    @Override
    public StartupOptions options() {
        return options;
    }

    @Override
    public String listenSpec() {
        Endpoint e = listenEndpoint;
        return e == null ? null : e.spec();
    }

    @Override
    public void listen(Endpoint e) throws IOException {
        Endpoint current = listenEndpoint;
        if (started && current != null && current.spec().equals(e.spec())) {
            return; // a reloaded -F file repeats its 'listen': already bound there
        }
        if (udp != null) {
            udp.bind(e);
        } else if (listener != null) {
            listener.bind(e);
        }
        listenEndpoint = e;
    }

    @Override
    public String controlSpec() {
        return controlSpec == null ? "" : controlSpec;
    }

    @Override
    public void configureAtStart(String key, String value) {
        if (started) {
            String now = "control".equals(key) ? controlSpec : nodeName;
            if (Objects.equals(now, value) || "control".equals(key) && options.control() != null
                    || "node_name".equals(key) && options.nodeName() != null) {
                return; // a reloaded -F file repeats it, or the command line overrides it anyway
            }
            throw ConfigException.of(value, key + " is set at start only (restart to change it)");
        }
        switch (key) {
            case "control" -> {
                Endpoint.parse(value, "127.0.0.1"); // validate now, naming the token
                if (options.control() == null) { // the command line wins over the file
                    controlSpec = value;
                }
            }
            case "node_name" -> {
                if (options.nodeName() == null) {
                    nodeName = value;
                }
            }
            default -> throw new IllegalArgumentException(key);
        }
    }

    @Override
    public long pid() {
        return ProcessHandle.current().pid();
    }

    @Override
    public String writeStatusPage() throws IOException {
        Settings s = settings.current();
        if (s.webStatsFile == null) {
            return null;
        }
        String page = StatusPage.render(s, counters, health, clients.snapshot(), connections.snapshot(),
                proxy == null ? 0 : proxy.balancer().current(), connections.highWater(), now());
        Files.writeString(Path.of(s.webStatsFile), page, StandardCharsets.ISO_8859_1);
        return page;
    }

    @Override
    public void exit() {
        Thread t = new Thread(this::stop, "jpen-exit");
        t.start();
    }

    @Override
    public long now() {
        return System.currentTimeMillis();
    }

    @Override
    public String nodeName() {
        return nodeName;
    }

    @Override
    public CommandInterpreter commands() {
        return interpreter;
    }

    @Override
    public boolean listenerHealthy() {
        // not "&& !stopping": a stop hands the VIPs over (beforeStop) before it closes the listener, and tracking
        // that saw the stop first put the node in FAULT and dropped the VIP instead (HandoverConnectionsTest, 1 run)
        if (udp != null) {
            return udp.isActive();
        }
        return listener != null && listener.channel() != null && listener.channel().isActive();
    }

    @Override
    public int listenPort() {
        Endpoint e = listenEndpoint;
        return e == null || e.isUnix() ? 0 : e.inet().getPort();
    }

    private final Map<String, java.util.function.BooleanSupplier> readiness = new java.util.concurrent.ConcurrentHashMap<>();

    @Override
    public void addReadinessCheck(String name, java.util.function.BooleanSupplier ready) {
        readiness.put(name, ready);
    }

    @Override
    public List<String> notReady() {
        List<String> missing = new ArrayList<>();
        readiness.forEach((name, check) -> {
            if (!check.getAsBoolean()) {
                missing.add(name);
            }
        });
        return missing;
    }

    @Override
    public void networkRestored(long sinceMillis, String why) {
        if (recheck != null && !options.udp()) { // a TCP connect says nothing about a UDP server (udp_check does)
            recheck.networkRestored(sinceMillis, why);
        }
    }

    @Override
    public int openConnections() {
        return (proxy == null ? 0 : proxy.openConnections()) + (udp == null ? 0 : udp.openFlows());
    }

    @Override
    public void drainAndExit(int seconds) {
        drainSeconds = seconds;
        exit();
    }

    /** For tests: the bound listener's actual address. */
    public java.net.SocketAddress boundAddress() {
        return udp != null ? udp.localAddress() : listener.channel().localAddress();
    }

    /** The listener's TLS material (tests, status). */
    public TlsContexts tls() {
        return tls;
    }

    public ProxyServices proxy() {
        return proxy;
    }
}
