package io.jpen.cluster.state;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;

/**
 * The three distributed maps one service shares, all {@code String -> String} (see {@link SharedValues}):
 * <ul>
 *   <li>{@code jpen.SERVICE.clients}: client address → {@link SharedValues.ClientEntry};</li>
 *   <li>{@code jpen.SERVICE.health}: server {@code addr:port} → {@link SharedValues.HealthEntry};</li>
 *   <li>{@code jpen.SERVICE.settings}: one key, {@value #SETTINGS_KEY} → {@link SharedValues.SettingsEntry}.</li>
 * </ul>
 */
record SharedMaps(IMap<String, String> clients, IMap<String, String> health, IMap<String, String> settings) {
    static final String SETTINGS_KEY = "settings";

    static String clientsName(String service) {
        return "jpen." + service + ".clients";
    }

    static String healthName(String service) {
        return "jpen." + service + ".health";
    }

    static String settingsName(String service) {
        return "jpen." + service + ".settings";
    }

    static SharedMaps of(HazelcastInstance hz, String service) {
        return new SharedMaps(hz.getMap(clientsName(service)), hz.getMap(healthName(service)),
                hz.getMap(settingsName(service)));
    }
}
