package io.jpen.cluster.state;

import io.jpen.node.affinity.ClientKey;
import io.jpen.node.config.ServerId;

/**
 * A local change on its way to the cluster, queued by the data plane or the control thread and written by
 * {@link UpdateWriter}. Immutable.
 */
sealed interface Update {

    /** The key in the shared map this update writes; updates with the same key are coalesced. */
    String key();

    /** A returning client was seen again (published at most once per {@code cluster_refresh}). */
    record ClientSeen(ClientKey client, ServerId server, long at) implements Update {
        @Override
        public String key() {
            return "c" + client;
        }
    }

    /** A client now belongs to {@code server} (new client, or moved for good by a failover). */
    record ClientAssigned(ClientKey client, ServerId server, long at) implements Update {
        @Override
        public String key() {
            return "c" + client;
        }
    }

    /** A client has no server any more (served by the emergency server). */
    record ClientForgotten(ClientKey client) implements Update {
        @Override
        public String key() {
            return "c" + client;
        }
    }

    /** A server's blacklist stamp changed (0 = cleared). */
    record HealthChanged(ServerId server, long status, String reason) implements Update {
        @Override
        public String key() {
            return "h" + server;
        }
    }

    /** The shared part of the settings may have changed: the writer publishes the current one if it differs. */
    record SettingsChanged() implements Update {
        @Override
        public String key() {
            return "s";
        }
    }
}
