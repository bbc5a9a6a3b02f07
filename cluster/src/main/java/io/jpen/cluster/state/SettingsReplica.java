package io.jpen.cluster.state;

import io.jpen.cluster.state.SharedValues.SettingsEntry;
import io.jpen.node.config.Settings;
import io.jpen.node.control.ConfigWriter;

/**
 * Which version of the shared settings this node holds, so that it publishes only real changes and applies only
 * versions it does not have yet. The shared part of the settings is what {@code ConfigWriter.script(settings, false)}
 * writes (servers, weights, limits, modes, ACLs; not the log and status files, debug level or source address, which
 * belong to one node).
 *
 * <p>Versions are ordered by a stamp: wall-clock ms, kept above every stamp seen so far. Thread-safe: used by the
 * writer thread (publishing) and the applier thread (applying).
 */
final class SettingsReplica {
    private final String origin;
    private String script;
    private long highestStamp;
    private long ownStamp;
    private SettingsEntry current;

    SettingsReplica(String origin) {
        this.origin = origin;
    }

    /**
     * The version to publish for the node's current settings, or null if the cluster already has this script.
     * Counts as held from now on (see {@link #publishFailed}).
     */
    synchronized SettingsEntry publication(Settings settings, long now) {
        SettingsEntry e = candidate(settings, now);
        if (e.script().equals(script)) {
            return null;
        }
        published(e);
        return e;
    }

    /** A version of the node's current settings, newer than any seen so far; nothing is recorded. */
    synchronized SettingsEntry candidate(Settings settings, long now) {
        return new SettingsEntry(Math.max(now, highestStamp + 1), origin, settings.servers.size(),
                ConfigWriter.script(settings, false));
    }

    /** {@code e} (from {@link #candidate}) is now the cluster's version. */
    synchronized void published(SettingsEntry e) {
        highestStamp = Math.max(highestStamp, e.stamp());
        ownStamp = e.stamp();
        script = e.script();
        current = e;
    }

    /** The write did not reach the cluster: publish again at the next change. */
    synchronized void publishFailed(SettingsEntry e) {
        if (current == e) {
            script = null;
        }
    }

    /**
     * Whether a version read from the cluster must be applied here: not an echo of an older version of our own
     * (events arrive after the node moved on), and not the script already in force.
     */
    synchronized boolean accept(SettingsEntry e) {
        if (e.origin().equals(origin) && e.stamp() < ownStamp) {
            return false;
        }
        highestStamp = Math.max(highestStamp, e.stamp());
        current = e;
        return !e.script().equals(script);
    }

    /** A version from the cluster is now in force, as {@code applied}. */
    synchronized void applied(Settings applied) {
        script = ConfigWriter.script(applied, false);
    }

    /** The version in force, or null before the first exchange. */
    synchronized SettingsEntry current() {
        return current;
    }
}
