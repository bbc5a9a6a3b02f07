package io.jpen.node.config;

import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * Where the node reads its current {@link Settings} and applies changes. The local implementation is an atomic
 * reference; the cluster module replaces it with one that also publishes changes to, and applies changes from,
 * the other nodes. Reads are a volatile load and never block.
 */
public interface SettingsStore {

    /** The current snapshot. */
    Settings current();

    /**
     * Applies a change atomically (retried on a concurrent change, so {@code change} must be side-effect free)
     * and notifies listeners. Returns the new snapshot.
     *
     * @param origin a short description of where the change came from (a control command, a file), for the log
     *               and for replication
     */
    Settings update(UnaryOperator<Settings> change, String origin);

    /** Called after every change, on the thread that made it (never an event loop: control work runs elsewhere). */
    void addListener(Consumer<Settings> listener);
}
