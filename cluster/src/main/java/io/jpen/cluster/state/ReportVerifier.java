package io.jpen.cluster.state;

import io.jpen.node.config.ServerId;
import io.jpen.node.health.ConnectCheck;
import io.jpen.node.health.HealthBoard;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.IntSupplier;

/**
 * Checks a peer's automatic blacklisting (a connect failure or timeout it saw) from this node: one TCP connect to
 * the server. If it connects, the blacklisting is lifted on this node only, and the shared entry stays as the peer
 * wrote it (that peer may really not reach the server).
 *
 * <p>Why: a node whose own link is cut, or that is partitioned away from the backends, sees every backend fail and
 * reports them all; when its link returns, those reports arrive fresh and would make every other node refuse all
 * clients for the blacklist time. A report is hearsay about a path from another host; a connect from here is
 * evidence about ours. The report is applied at once (a dead backend is avoided without delay) and withdrawn here
 * within a connect round trip when it does not hold from this node. Operators' blacklistings are never checked.
 *
 * <p>The connects run on a {@link ConnectCheck} of its own (one daemon thread, bounded by the node's {@code -t}); a
 * check that cannot be queued is dropped (the report then simply stands).
 */
final class ReportVerifier implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger("jpen.cluster");

    private final HealthBoard local;
    private final String label;
    private final ClusterStats stats;
    private final ConnectCheck connects;

    /**
     * @param local         the node's own board (not the shared one: a lifted blacklisting is not published)
     * @param timeoutMillis the connect timeout of a check (the node's {@code -t})
     */
    ReportVerifier(HealthBoard local, IntSupplier timeoutMillis, String label, ClusterStats stats) {
        this.local = local;
        this.label = label;
        this.stats = stats;
        this.connects = new ConnectCheck("jpen-cluster-verify", timeoutMillis);
    }

    /** A peer's blacklisting of {@code server} with this status stamp was just applied here: check it. */
    void check(ServerId server, long status, String by) {
        connects.submit(server, new ConnectCheck.Result() {
            @Override
            public void reached(long ms) {
                stats.reportsChecked.increment();
                if (local.status(server) != status) {
                    return; // changed meanwhile (a failure here, an operator, a newer report): that one stands
                }
                local.setStatus(server, 0, "reached from here in " + ms + " ms, although " + by + " reported it");
                stats.reportsLifted.increment();
                log.info("cluster[{}]: server {}: blacklisting by {} lifted on this node: connected to it in {} ms "
                        + "(the fault is on that node's path)", label, server, by, ms);
            }

            @Override
            public void unreachable(String why) {
                stats.reportsChecked.increment();
                log.debug("cluster[{}]: server {}: blacklisting by {} confirmed from here ({})", label, server, by,
                        why);
            }
        });
    }

    @Override
    public void close() {
        connects.close();
    }
}
