package io.jpen.cluster.leader;

import io.jpen.cluster.leader.config.LeaderKey;
import io.jpen.cluster.leader.config.LeaderOptions;
import io.jpen.cluster.leader.script.ScriptResult;
import io.jpen.cluster.leader.script.ScriptRunner;
import io.jpen.cluster.leader.script.VipScripts;
import io.jpen.node.config.ConfigException;
import io.jpen.node.config.Numbers;
import io.jpen.node.spi.NodeContext;
import io.jpen.node.spi.NodeExtension;
import io.jpen.node.spi.SharedState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Plugs leadership into a node: enabled by {@code vip_address} (or {@code vip_witness=true}). Checks the scripts and
 * {@code arping} before the node starts, runs a {@link LeaderService}, adds the {@code vip} and {@code handover}
 * control commands, and on SIGTERM hands the VIPs over before the node drains (see {@link #beforeStop()}).
 */
public final class LeadershipExtension implements NodeExtension {
    private static final Logger log = LoggerFactory.getLogger("jpen.leader");
    /** vip-preflight's "arping FLAVOUR PATH" (the path ends at a comma or blank). */
    private static final Pattern ARPING = Pattern.compile("arping (habets|iputils) (/[^,\\s]+)");

    private LeaderOptions options;
    private LeaderService service;
    private NodeContext node;
    /** The drain time a 'handover' command gave the node (null if none): a SIGTERM stop that follows keeps it. */
    private volatile Integer commandedDrain;

    @Override
    public String name() {
        return "leadership";
    }

    @Override
    public Set<String> keys() {
        return LeaderKey.keys();
    }

    @Override
    public boolean configure(Map<String, String> raw) {
        if (!LeaderOptions.enabled(raw)) {
            return false;
        }
        options = LeaderOptions.parse(raw);
        if (!options.witness()) {
            options = options.withScripts(options.scripts().withArping(preflight(options)));
        }
        return true;
    }

    /**
     * Runs {@code vip-preflight} (are {@code ip} and an {@code arping} of either flavour there?) so that a node that
     * could never announce its VIP refuses to start, loudly, instead of failing at the first failover.
     */
    static String preflight(LeaderOptions o) {
        ScriptResult r = ScriptRunner.runNow(new VipScripts(o.scripts(), "preflight").preflight());
        if (!r.ok()) {
            throw new ConfigException("vip-preflight " + o.scripts().dir() + ": " + r
                    + (r.output().isBlank() ? "" : ": " + r.output().strip()));
        }
        log.info("vip scripts {}: {}", o.scripts().dir(), r.output().strip());
        return arping(r.output());
    }

    /** "iputils /usr/bin/arping" from vip-preflight's "ip P, arping iputils /usr/bin/arping, nft P"; "" if absent. */
    static String arping(String preflightOutput) {
        Matcher m = ARPING.matcher(preflightOutput);
        return m.find() ? m.group(1) + " " + m.group(2) : "";
    }

    @Override
    public SharedState share(SharedState local) {
        return local;
    }

    @Override
    public void start(NodeContext node) {
        this.node = node;
        // readiness: the shared-state extension (started before this one) registered "shared state loaded"
        // a VIP interface back after it was down: the node re-checks the blacklistings it made while cut off
        service = new LeaderService(options, node.nodeName(), node::listenerHealthy, List.of(), node.listenPort(),
                node::notReady, node::networkRestored);
        try {
            service.start();
        } catch (Exception e) {
            throw new IllegalStateException("leadership: " + e.getMessage(), e);
        }
        node.commands().registerRead("vip", (args, exec) -> {
            for (String line : LeaderCommands.vip(service.snapshot(), args.word(1))) {
                exec.reply().line(line);
            }
        });
        node.commands().registerRead("handover", (args, exec) -> {
            int drain = args.has(1) ? Numbers.parseInt(args.word(1), "handover SECONDS", 0, 3600) : drainSeconds();
            commandedDrain = drain;
            exec.reply().line(service.handoverAndWait(Duration.ofSeconds(drain)));
            exec.reply().line("draining " + node.openConnections() + " connections for up to " + drain
                    + " s, then exiting");
            // after the reply went out: the stop closes the control port
            CompletableFuture.delayedExecutor(200, TimeUnit.MILLISECONDS).execute(() -> node.drainAndExit(drain));
        });
    }

    /** The node's {@code --drain-timeout}, or null when it was not given. */
    private Integer nodeDrainSeconds() {
        String d = node.options().extensionOptions().get("drain_timeout");
        try {
            return d == null ? null : Integer.valueOf(d.trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** How long to drain after a handover: {@code --drain-timeout} if given, else {@code vip_handover_drain}. */
    private int drainSeconds() {
        Integer given = nodeDrainSeconds();
        return given != null ? given : (int) Math.min(3600, options.handoverDrain().toSeconds());
    }

    /**
     * SIGTERM or {@code exit}: hand the VIPs to other nodes first, so the node drains without clients failing. When
     * neither {@code --drain-timeout} nor a {@code handover} command set the node's drain time, it is set to
     * {@code vip_handover_drain} here: {@link NodeContext#drainAndExit} on a node that is already stopping only sets
     * the drain time (the stop in progress reads it once this method returned, and the exit it asks for is that
     * stop).
     */
    @Override
    public void beforeStop() {
        if (service == null) {
            return;
        }
        Integer commanded = commandedDrain;
        int drain = commanded != null ? commanded : drainSeconds();
        log.info("stopping: {}; draining for up to {} s", service.handoverAndWait(Duration.ofSeconds(drain)), drain);
        if (commanded == null && nodeDrainSeconds() == null) {
            node.drainAndExit(drain);
        }
    }

    @Override
    public void close() {
        if (service != null) {
            service.close();
        }
    }

    /** For tests. */
    LeaderService service() {
        return service;
    }
}
