package io.jpen.node.control;

import io.jpen.node.affinity.ClientTable;
import io.jpen.node.config.Endpoint;
import io.jpen.node.config.SettingsStore;
import io.jpen.node.config.StartupOptions;
import io.jpen.node.health.HealthBoard;
import io.jpen.node.proxy.ConnectionRegistry;
import io.jpen.node.stats.ServerCounterTable;

import java.io.IOException;

/**
 * What control commands may see and do on a node. Implemented by the node; every method may block briefly
 * (binding, file writes) and is called only from the control executor, never from an event loop.
 */
public interface NodeControl {
    SettingsStore settings();

    HealthBoard health();

    ClientTable clients();

    ServerCounterTable counters();

    ConnectionRegistry connections();

    StartupOptions options();

    /** The listen spec as given, or null before one is known. */
    String listenSpec();

    /** Binds the listener to {@code e} (before start: only records it). */
    void listen(Endpoint e) throws IOException;

    /** The {@code -C} argument, or empty. */
    String controlSpec();

    long pid();

    /**
     * Start-up settings that Pen only takes on its command line but that a jpen -F file may hold too:
     * {@code control SPEC} and {@code node_name NAME}. The command line wins over the file.
     *
     * @throws io.jpen.node.config.ConfigException once the node has started, or for a bad value
     */
    void configureAtStart(String key, String value);

    /** Writes the {@code -w} page and returns its text, or null if no file is configured. */
    String writeStatusPage() throws IOException;

    /** Stops the node with exit status 0 (the {@code exit} command); returns at once. */
    void exit();

    /** Wall-clock milliseconds. */
    long now();

    /** A short name of this node for replies that say which node answered. */
    String nodeName();
}
