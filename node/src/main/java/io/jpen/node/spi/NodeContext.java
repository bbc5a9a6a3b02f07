package io.jpen.node.spi;

import io.jpen.node.control.CommandInterpreter;
import io.jpen.node.control.NodeControl;

import java.util.List;
import java.util.function.BooleanSupplier;

/** What a running node offers an extension: everything the control port sees, plus a few lifecycle hooks. */
public interface NodeContext extends NodeControl {

    /** To register extension commands ({@code cluster}, {@code handover}, ...). */
    CommandInterpreter commands();

    /** True while the listener is bound and accepting (used for keepalived-style tracking). */
    boolean listenerHealthy();

    /** The address clients reach this node at (the listen endpoint's port, for VIP checks); 0 for Unix. */
    int listenPort();

    /** Open client connections on this node. */
    int openConnections();

    /**
     * Planned stop: stop accepting, wait for open connections to finish (at most {@code drainSeconds}), then exit
     * with status 0. Returns at once; the work runs on its own thread.
     */
    void drainAndExit(int drainSeconds);

    /**
     * Registers a condition this node must meet before it may be given client traffic by the cluster (take a VIP):
     * e.g. "shared state loaded", so that a node rejoining after a crash holds the whole client table first.
     * The supplier is polled from any thread and must be cheap and non-blocking.
     */
    void addReadinessCheck(String name, BooleanSupplier ready);

    /** The names of the readiness checks that are not met now; empty when the node is ready. */
    List<String> notReady();

    /**
     * This node's own network was down from {@code sinceMillis} (wall clock) until now, e.g. its VIP interface lost
     * carrier: the servers it blacklisted meanwhile are checked again from here and cleared if they connect. Returns
     * at once.
     *
     * @param why what came back, for the log ("interface eth0 came back")
     */
    void networkRestored(long sinceMillis, String why);
}
