package io.jpen.cluster.state;

import io.jpen.cluster.state.SharedValues.SettingsEntry;
import io.jpen.node.config.ServerSpec;
import io.jpen.node.config.Settings;
import io.jpen.node.config.SettingsStore;
import io.jpen.node.control.CommandInterpreter;
import io.jpen.node.control.CommandInterpreter.Origin;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * The node's settings, shared: a change made here (control port, SIGHUP reload) is applied locally and announced to
 * the {@link UpdateWriter}, which publishes the shared part if it changed. A version from the cluster is applied with
 * the node's own interpreter, like a {@code -F} file (validated, atomic), under the source name
 * {@value #PEER_SOURCE}{@code NODE}: updates with that origin are not published again.
 */
final class ClusteredSettingsStore implements SettingsStore {
    /** The source name of scripts that come from the cluster (the {@code origin} the interpreter passes on). */
    static final String PEER_SOURCE = "cluster peer ";
    private static final Update SETTINGS_CHANGED = new Update.SettingsChanged();

    private final SettingsStore local;
    private final UpdateWriter writer;
    /** Set by the applier thread while it applies a version from the cluster. */
    private volatile Shape peerShape;

    ClusteredSettingsStore(SettingsStore local, UpdateWriter writer) {
        this.local = local;
        this.writer = writer;
    }

    @Override
    public Settings current() {
        return local.current();
    }

    @Override
    public Settings update(UnaryOperator<Settings> change, String origin) {
        if (origin != null && origin.startsWith(PEER_SOURCE)) {
            Shape shape = peerShape;
            return local.update(s -> shape == null ? change.apply(s) : shape.fit(change.apply(s)), origin);
        }
        Settings next = local.update(change, origin);
        writer.offer(SETTINGS_CHANGED);
        return next;
    }

    @Override
    public void addListener(Consumer<Settings> listener) {
        local.addListener(listener);
    }

    /**
     * Applies a version from the cluster (applier thread only) and returns the settings now in force.
     *
     * @throws io.jpen.node.config.ConfigException if this node cannot accept it (the old settings stay)
     */
    Settings applyFromPeer(SettingsEntry e, CommandInterpreter interpreter) {
        peerShape = Shape.of(e);
        try {
            interpreter.runScript(Arrays.asList(e.script().split("\n")), PEER_SOURCE + e.origin(), Origin.FILE);
        } finally {
            peerShape = null;
        }
        return local.current();
    }

    /**
     * The server slots of a shared version. A script sets the slots it names but cannot empty a slot or shorten the
     * table, so the other slots are emptied and the table cut to the same length here.
     */
    private record Shape(int slots, Set<Integer> present) {
        static Shape of(SettingsEntry e) {
            Set<Integer> present = new HashSet<>();
            for (String line : e.script().split("\n")) {
                if (line.startsWith("server ") && line.contains(" address ")) { // a slot's full definition
                    String[] w = line.split(" ", 3);
                    present.add(Integer.parseInt(w[1]));
                }
            }
            return new Shape(e.slots(), present);
        }

        Settings fit(Settings s) {
            List<ServerSpec> servers = new ArrayList<>(s.servers);
            while (servers.size() > slots) {
                servers.remove(servers.size() - 1);
            }
            while (servers.size() < slots) {
                servers.add(ServerSpec.EMPTY);
            }
            for (int i = 0; i < servers.size(); i++) {
                if (!present.contains(i)) {
                    servers.set(i, ServerSpec.EMPTY);
                }
            }
            if (servers.equals(s.servers)) {
                return s;
            }
            Settings.Builder b = s.toBuilder().clearServers();
            servers.forEach(b::addServer);
            return b.build();
        }
    }
}
