package io.jpen.node.health;

import io.jpen.node.config.ServerId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

/**
 * Withdraws the blacklistings this node made while its own network was down, once it is back.
 *
 * <p>Why: a node whose link is cut sees every connect time out, so the client connections it accepted just before
 * the cut blacklist one server after another (Pen's failover walks the whole list). When the link returns, those
 * blacklistings would make it refuse every client for the blacklist time ({@code -b}) although nothing is wrong with
 * the servers: a holder that takes the VIP back, or a node the clients' ARP caches still point at, would turn
 * clients away for seconds. Only the node's own connect failures with a stamp from the fault onwards are checked,
 * each by one TCP connect from here ({@link ConnectCheck}): a server that connects is cleared (and, in a cluster, the
 * clearing is shared like any other); one that does not stays blacklisted. An operator's {@code server N blacklist}
 * is never touched. A second pass one connect timeout later catches connects that were begun during the fault and
 * failed only after it.
 *
 * <p>Who knows that the network was down: the leadership extension (keepalived's track_interface) calls
 * {@link #networkRestored} when a VIP interface comes back up.
 */
public final class BlacklistRecheck implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger("jpen.health");

    private final HealthBoard health;
    private final Map<ServerId, Long> own;
    private final IntSupplier timeoutMillis;
    private final ConnectCheck check;

    /**
     * @param health        the node's board (shared when clustered: a clearing is published)
     * @param own           server -> the stamp of this node's last automatic blacklisting of it
     * @param timeoutMillis the node's connect timeout ({@code -t})
     */
    public BlacklistRecheck(HealthBoard health, Map<ServerId, Long> own, IntSupplier timeoutMillis) {
        this.health = health;
        this.own = own;
        this.timeoutMillis = timeoutMillis;
        this.check = new ConnectCheck("jpen-blacklist-recheck", timeoutMillis);
    }

    /**
     * This node's network was at fault from {@code sinceMillis} (wall clock) until now. Returns at once; the checks
     * run on their own thread.
     *
     * @param why what came back, for the log ("interface eth0 came back")
     */
    public void networkRestored(long sinceMillis, String why) {
        int n = pass(sinceMillis, why);
        log.info("{}: rechecking {} server(s) this node blacklisted since the fault", why, n);
        long later = timeoutMillis.getAsInt() + 200L;
        CompletableFuture.delayedExecutor(later, TimeUnit.MILLISECONDS).execute(() -> pass(sinceMillis, why));
    }

    private int pass(long sinceMillis, String why) {
        int n = 0;
        for (Map.Entry<ServerId, Long> e : own.entrySet()) {
            ServerId server = e.getKey();
            long stamp = e.getValue();
            if (stamp < sinceMillis || health.status(server) != stamp) {
                continue; // before the fault, or no longer this node's (cleared, an operator, a peer's newer one)
            }
            if (check.submit(server, new ConnectCheck.Result() {
                @Override
                public void reached(long millis) {
                    if (health.status(server) == stamp) {
                        health.setStatus(server, 0, "reached from here in " + millis + " ms after " + why);
                    }
                }

                @Override
                public void unreachable(String failure) {
                    log.info("server {}: still unreachable after {} ({}): stays blacklisted", server, why, failure);
                }
            })) {
                n++;
            }
        }
        return n;
    }

    @Override
    public void close() {
        check.close();
    }
}
