package io.jpen.node.health;

import io.jpen.node.config.ServerId;

import java.util.Map;

/**
 * Backend health as Pen models it: each server has a {@code status}, the wall-clock time (ms) of its last
 * blacklisting, 0 if none. A server is blacklisted while {@code now - status < blacklist time}, so a later change of
 * the global blacklist time shifts every expiry, as in Pen. The local implementation is {@link LocalHealthBoard};
 * the cluster module shares it, so a server one node finds dead is avoided by all.
 *
 * <p>Reads happen on event loops for every candidate server and must not block.
 */
public interface HealthBoard {

    /** The status stamp of {@code server} (0 = never blacklisted or cleared). */
    long status(ServerId server);

    /**
     * Sets the stamp. A connect failure at time {@code now} sets {@code now}; {@code server N blacklist T} sets
     * {@code now + T - blacklistTime} (blacklisted for exactly T); 0 clears it.
     *
     * @param reason for the transition log line ("connect refused", "connect timeout", "control")
     */
    void setStatus(ServerId server, long statusMillis, String reason);

    /** A copy of all non-zero stamps (status page, replication). */
    Map<ServerId, Long> snapshot();

    default boolean isBlacklisted(ServerId server, long nowMillis, long blacklistMillis) {
        long st = status(server);
        return st != 0 && nowMillis - st < blacklistMillis;
    }
}
