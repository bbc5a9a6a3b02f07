package io.jpen.cluster.state;

import com.hazelcast.core.HazelcastInstance;
import io.jpen.node.control.CommandInterpreter;
import io.jpen.node.spi.NodeContext;
import io.jpen.node.spi.NodeExtension;
import io.jpen.node.spi.SharedState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.Set;

/**
 * Shares a node's client table, blacklist and runtime settings with the other nodes through an embedded Hazelcast
 * member. Enabled by {@code cluster_members}; the keys are documented in {@link ClusterOptions}, the design in
 * {@code docs/cluster.md}.
 *
 * <p>Shape: {@link #share} wraps the node's local state in decorators that answer from local memory and queue
 * every change for the {@link UpdateWriter}; {@link #start} starts the {@link ClusterMember} in the background; once
 * the member is up, the {@link PeerApplier} loads the cluster's state into the local one and follows its changes,
 * and the writer starts writing. A node therefore serves from the first moment, and goes on serving with what it
 * knows when the cluster is slow, split or gone.
 */
public final class SharedStateExtension implements NodeExtension, ClusterMember.Listener, ClusterCommand.View {
    private static final Logger log = LoggerFactory.getLogger("jpen.cluster");

    private ClusterOptions options;
    private final ClusterStats stats = new ClusterStats();
    private UpdateWriter writer;
    private ClusteredClientTable clients;
    private ClusteredHealthBoard health;
    private ClusteredSettingsStore settings;
    private SettingsReplica replica;
    private PeerApplier applier;
    private ClusterMember member;
    private ClusterCommand command;
    private volatile SharedMaps maps;
    private volatile CommandInterpreter interpreter;
    private String nodeName;
    private String origin;

    @Override
    public String name() {
        return "shared-state";
    }

    @Override
    public Set<String> keys() {
        return ClusterOptions.KEYS;
    }

    @Override
    public boolean configure(Map<String, String> o) {
        if (!ClusterOptions.enabled(o)) {
            return false;
        }
        options = ClusterOptions.parse(o);
        return true;
    }

    @Override
    public SharedState share(SharedState local) {
        writer = new UpdateWriter(options.queueCapacity(), options.refreshSeconds(), stats, "starting");
        clients = new ClusteredClientTable(local.clients(), writer);
        health = new ClusteredHealthBoard(local.health(), writer);
        settings = new ClusteredSettingsStore(local.settings(), writer);
        return new SharedState(settings, clients, health);
    }

    @Override
    public void start(NodeContext node) {
        // a rejoining node must hold the cluster's table before leadership gives it a VIP
        node.addReadinessCheck("shared state loaded", this::synced);
        nodeName = node.nodeName();
        interpreter = node.commands();
        if (options.service() == null) {
            int port = node.listenPort();
            options = options.withService(port > 0 ? Integer.toString(port) : "unix");
        }
        writer.label(nodeName);
        origin = (nodeName + "@" + options.memberAddress()).replace('\t', ' ');
        replica = new SettingsReplica(origin);
        applier = new PeerApplier(clients.local(), health.local(), settings, replica, () -> interpreter, origin,
                nodeName, stats);
        command = new ClusterCommand(this);
        command.register(interpreter);
        String instanceName = "jpen-" + options.name() + "-" + options.memberAddress();
        member = new ClusterMember(
                () -> MemberConfig.build(options, instanceName, settings.current().clientsMax), this, nodeName);
        writer.start();
        applier.start();
        member.start();
        log.info("cluster[{}]: joining cluster {} as {} (members {}, service {}) in the background", nodeName,
                options.name(), options.memberAddress(), options.multicast() ? "by multicast" : options.members(),
                options.service());
    }

    // ---------------------------------------------------------------- ClusterMember.Listener (member thread)

    @Override
    public void up(HazelcastInstance hz) {
        SharedMaps m = SharedMaps.of(hz, options.service());
        maps = m;
        applier.follow(m, "joined").whenComplete((ok, e) -> {
            if (e != null) {
                log.warn("cluster[{}]: could not load the shared state: {}", nodeName, e.toString());
            }
            writer.attach(new UpdateWriter.Sink(m, origin, replica, settings::current));
        });
    }

    @Override
    public void merged(HazelcastInstance hz) {
        applier.resync(SharedMaps.of(hz, options.service()), "merged");
    }

    @Override
    public void down() {
        writer.detach();
        applier.unfollow();
        maps = null;
    }

    // ---------------------------------------------------------------- lifecycle

    @Override
    public void beforeStop() {
        // the connections drain next; nothing to hand over here
    }

    @Override
    public void close() {
        if (writer != null && writer.flush(2000)) {
            log.debug("cluster[{}]: last updates written", nodeName);
        }
        if (member != null) {
            member.close();
        }
        if (writer != null) {
            writer.close();
        }
        if (applier != null) {
            applier.close();
        }
        if (command != null) {
            command.close();
        }
    }

    // ---------------------------------------------------------------- ClusterCommand.View and tests

    @Override
    public String nodeName() {
        return nodeName;
    }

    @Override
    public ClusterOptions options() {
        return options;
    }

    @Override
    public ClusterMember member() {
        return member;
    }

    @Override
    public SharedMaps maps() {
        return maps;
    }

    @Override
    public int localClients() {
        return clients.snapshot().size();
    }

    @Override
    public SettingsReplica settings() {
        return replica;
    }

    @Override
    public UpdateWriter writer() {
        return writer;
    }

    @Override
    public PeerApplier applier() {
        return applier;
    }

    @Override
    public ClusterStats stats() {
        return stats;
    }

    /** The running Hazelcast member, or null (tests: to crash it). */
    public HazelcastInstance hazelcast() {
        return member == null ? null : member.instance();
    }

    /** True once the member is up and the node holds the cluster's state (tests). */
    public boolean synced() {
        return maps != null && stats.resyncs.sum() > 0;
    }
}
