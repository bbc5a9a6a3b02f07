package io.jpen.node.spi;

import io.jpen.node.affinity.ClientTable;
import io.jpen.node.config.SettingsStore;
import io.jpen.node.health.HealthBoard;

/** The three pieces of state a cluster shares between nodes; a stand-alone node uses the local implementations. */
public record SharedState(SettingsStore settings, ClientTable clients, HealthBoard health) {
}
