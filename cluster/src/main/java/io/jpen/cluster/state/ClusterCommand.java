package io.jpen.cluster.state;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.jpen.cluster.state.SharedValues.SettingsEntry;
import io.jpen.node.control.CommandInterpreter;
import io.jpen.node.control.Reply;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The {@code cluster} control command: which node answers, the members, whether the partitions are safe (every
 * entry has its backups), the shared table's size, and the state of the replication. For example:
 * <pre>
 * node node1 member 127.0.0.11:5701 cluster jpen service 8080 state joined
 * members 2: 127.0.0.11:5701 (this), 127.0.0.12:5701
 * partitions safe
 * clients 3 here, 3 shared
 * blacklist 1 shared
 * settings from node2@127.0.0.12:5701 at 2026-11-27 10:00:00
 * updates queued 0/65536 written 12 dropped 0 failed 0
 * events applied 14 lost 0 reloads 1 (last: 3 clients in 12 ms)
 * </pre>
 * Every line starts with a fixed word, so scripts can pick the one they need. Counting the shared entries asks the
 * cluster; it waits at most one second (then {@code ?}), on a thread of its own so the control thread never hangs
 * (and while one count hangs, the next ones answer {@code ?} at once).
 */
final class ClusterCommand implements AutoCloseable {
    private static final DateTimeFormatter TS = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss")
            .withZone(ZoneId.systemDefault());

    /** What the command reads. */
    interface View {
        String nodeName();

        ClusterOptions options();

        ClusterMember member();

        SharedMaps maps();

        int localClients();

        SettingsReplica settings();

        UpdateWriter writer();

        PeerApplier applier();

        ClusterStats stats();
    }

    private final View view;
    /** One thread, no queue: while a count hangs (cluster partitioned), further counts answer "?" at once. */
    private final ExecutorService counter = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new SynchronousQueue<>(),
            r -> {
                Thread t = new Thread(r, "jpen-cluster-status");
                t.setDaemon(true);
                return t;
            });

    ClusterCommand(View view) {
        this.view = view;
    }

    void register(CommandInterpreter ci) {
        ci.registerRead("cluster", (a, e) -> reply(e.reply()));
    }

    void reply(Reply r) {
        ClusterOptions o = view.options();
        ClusterMember m = view.member();
        HazelcastInstance hz = m.instance();
        r.line("node " + view.nodeName() + " member " + o.memberAddress() + " cluster " + o.name() + " service "
                + o.service() + " state " + m.state().name().toLowerCase(Locale.ROOT)
                + (m.lastError() == null ? "" : " last-error " + m.lastError().replace('\n', ' ')));
        SharedMaps maps = view.maps();
        if (hz == null || maps == null) {
            r.line("members 0: not joined yet (the node serves with its local state)");
        } else {
            List<Member> members = List.copyOf(hz.getCluster().getMembers());
            r.line("members " + members.size() + ": " + ClusterMember.describe(members));
            r.line("partitions " + (hz.getPartitionService().isClusterSafe() ? "safe" : "unsafe (migrating or backups missing)"));
        }
        r.line("clients " + view.localClients() + " here, " + count(maps == null ? null : maps.clients()) + " shared");
        r.line("blacklist " + count(maps == null ? null : maps.health()) + " shared");
        SettingsEntry s = view.settings().current();
        r.line(s == null ? "settings not exchanged yet"
                : "settings from " + s.origin() + " at " + TS.format(Instant.ofEpochMilli(s.stamp())));
        UpdateWriter w = view.writer();
        ClusterStats st = view.stats();
        r.line("updates queued " + w.queued() + "/" + w.capacity() + " written " + st.written.sum() + " dropped "
                + st.dropped.sum() + " failed " + st.failed.sum());
        PeerApplier ap = view.applier();
        r.line("events applied " + st.applied.sum() + " lost " + st.eventsDropped.sum() + " reloads " + st.resyncs.sum()
                + (ap.lastResyncMillis() < 0 ? "" : " (last: " + ap.lastResyncClients() + " clients in "
                + ap.lastResyncMillis() + " ms)"));
        r.line("peer blacklistings checked from here " + st.reportsChecked.sum() + " lifted " + st.reportsLifted.sum());
    }

    private String count(IMap<String, String> map) {
        if (map == null) {
            return "?";
        }
        try {
            return Integer.toString(CompletableFuture.supplyAsync(map::size, counter).get(1, TimeUnit.SECONDS));
        } catch (Exception e) {
            return "?";
        }
    }

    @Override
    public void close() {
        counter.shutdownNow();
    }
}
