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

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Plugs leadership into a node: enabled by {@code vip_address} (or {@code vip_witness=true}). Checks the scripts and
 * {@code arping} before the node starts, runs a {@link LeaderService}, adds the {@code vip} and {@code handover}
 * control commands, and on SIGTERM hands the VIPs over before the node drains (see {@link #beforeStop()}).
 */
public final class LeadershipExtension implements NodeExtension {
    private static final Logger log = LoggerFactory.getLogger("jpen.leader");

    private LeaderOptions options;
    private LeaderService service;
    private NodeContext node;

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
            preflight(options);
        }
        return true;
    }

    /**
     * Runs {@code vip-preflight} (are {@code ip} and an {@code arping} of either flavour there?) so that a node that
     * could never announce its VIP refuses to start, loudly, instead of failing at the first failover.
     */
    static void preflight(LeaderOptions o) {
        ScriptResult r = ScriptRunner.runNow(new VipScripts(o.scripts(), "preflight").preflight());
        if (!r.ok()) {
            throw new ConfigException("vip-preflight " + o.scripts().dir() + ": " + r
                    + (r.output().isBlank() ? "" : ": " + r.output().strip()));
        }
        log.info("vip scripts {}: {}", o.scripts().dir(), r.output().strip());
    }

    @Override
    public SharedState share(SharedState local) {
        return local;
    }

    @Override
    public void start(NodeContext node) {
        this.node = node;
        service = new LeaderService(options, node.nodeName(), node::listenerHealthy, List.of());
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
            int drain = args.has(1) ? Numbers.parseInt(args.word(1), "handover SECONDS", 0, 3600) : nodeDrainSeconds();
            exec.reply().line(service.handoverAndWait());
            exec.reply().line("draining " + node.openConnections() + " connections for up to " + drain
                    + " s, then exiting");
            // after the reply went out: the stop closes the control port
            CompletableFuture.delayedExecutor(200, TimeUnit.MILLISECONDS).execute(() -> node.drainAndExit(drain));
        });
    }

    /** The node's {@code --drain-timeout}, which SIGTERM uses too (0 when not given). */
    private int nodeDrainSeconds() {
        String d = node.options().extensionOptions().get("drain_timeout");
        try {
            return d == null ? 0 : Integer.parseInt(d.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** SIGTERM or {@code exit}: hand the VIPs to other nodes first, so the node drains without clients failing. */
    @Override
    public void beforeStop() {
        if (service != null) {
            log.info("stopping: {}", service.handoverAndWait());
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
