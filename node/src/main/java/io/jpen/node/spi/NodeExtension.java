package io.jpen.node.spi;

import java.util.Map;
import java.util.Set;

/**
 * A module that extends a node, found with {@link java.util.ServiceLoader} (the cluster module provides one). The
 * node never depends on an implementation: without one on the class path it runs stand-alone, exactly like Pen.
 *
 * <p>Lifecycle, all on the main thread: {@link #configure} (options from {@code --cluster-*} long options and
 * {@code cluster_*} lines of the {@code -F} file) → {@link #share} (before the listener opens) → {@link #start}
 * (after it opened; must return quickly and join the cluster in the background) → {@link #beforeStop} (SIGTERM or
 * {@code exit}) → {@link #close}.
 */
public interface NodeExtension extends AutoCloseable {

    /** A short name for logs. */
    String name();

    /**
     * The option keys this module understands ({@code cluster_members}, ...), each documented where it is
     * defined. Several modules may understand the same key (e.g. {@code cluster_name}). A key no module
     * understands is an error at start.
     */
    Set<String> keys();

    /**
     * Reads its options from all extension options given (read-only; keys as in {@link #keys()}); returns true if
     * the module is enabled by them. Throws {@link io.jpen.node.config.ConfigException} naming a bad option.
     */
    boolean configure(Map<String, String> options);

    /** Returns the state to use instead of the local one (decorating it). Called once, before start. */
    SharedState share(SharedState local);

    /** Starts background work (joining the cluster...). Must not block for long. */
    void start(NodeContext node);

    /**
     * A planned stop begins (SIGTERM, {@code exit}): e.g. hand leadership over before connections drain. May block
     * up to a few seconds; called off the event loops.
     */
    default void beforeStop() {
    }

    @Override
    void close();
}
