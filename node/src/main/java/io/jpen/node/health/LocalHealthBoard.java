package io.jpen.node.health;

import io.jpen.node.config.ServerId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The in-memory {@link HealthBoard}: a concurrent map of status stamps. */
public final class LocalHealthBoard implements HealthBoard {
    private static final Logger log = LoggerFactory.getLogger("jpen.health");

    private final ConcurrentHashMap<ServerId, Long> status = new ConcurrentHashMap<>();

    @Override
    public long status(ServerId server) {
        Long s = status.get(server);
        return s == null ? 0 : s;
    }

    @Override
    public void setStatus(ServerId server, long statusMillis, String reason) {
        Long before = statusMillis == 0 ? status.remove(server) : status.put(server, statusMillis);
        if (statusMillis != 0 && (before == null || statusMillis - before > 1000)) {
            // a server being tried was not blacklisted, so this is a transition; several connections failing
            // within a second are one event
            log.info("server {} blacklisted ({})", server, reason);
        } else if (statusMillis == 0 && before != null) {
            log.info("server {} cleared ({})", server, reason);
        }
    }

    @Override
    public Map<ServerId, Long> snapshot() {
        return Map.copyOf(status);
    }
}
