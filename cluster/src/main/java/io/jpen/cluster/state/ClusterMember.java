package io.jpen.cluster.state;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.config.Config;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.LifecycleEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The node's embedded Hazelcast member: starts it in the background (it can take 15 s when a configured peer is
 * unreachable; the node serves meanwhile), starts it again if it fails to start or shuts down on its own, logs
 * membership and merge transitions, and tells its {@link Listener} when the member is up, merged or gone.
 *
 * <p>Threading: the member starts on this class's own thread; Hazelcast's callbacks only log and hand work to that
 * thread, they never block.
 */
final class ClusterMember implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger("jpen.cluster");
    private static final long RETRY_SECONDS = 10;

    /** What the member's owner is told; called on the member's thread. */
    interface Listener {
        /** The member is up and has joined (or formed) the cluster. */
        void up(HazelcastInstance hz);

        /** The member merged into another half of a split cluster: its data was replaced. */
        void merged(HazelcastInstance hz);

        /** The member is gone (it shut down on its own); another start follows. */
        void down();
    }

    /** What the {@code cluster} command reports. */
    enum State { STARTING, JOINED, RESTARTING, STOPPED }

    private final Supplier<Config> config;
    private final Listener listener;
    private final String label;
    private final ScheduledExecutorService thread;
    private volatile HazelcastInstance hz;
    private volatile State state = State.STARTING;
    private volatile String lastError;
    private volatile long joinMillis = -1;
    private volatile boolean closed;

    ClusterMember(Supplier<Config> config, Listener listener, String label) {
        this.config = config;
        this.listener = listener;
        this.label = label;
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "jpen-cluster-member");
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts the member in the background; returns at once. */
    void start() {
        thread.execute(this::startMember);
    }

    /** The running member, or null while there is none. */
    HazelcastInstance instance() {
        return hz;
    }

    State state() {
        return state;
    }

    /** Why the last start failed, or null. */
    String lastError() {
        return lastError;
    }

    /** How long the last start took until the member had joined (ms), or -1. */
    long joinMillis() {
        return joinMillis;
    }

    private void startMember() {
        if (closed) {
            return;
        }
        long t0 = System.nanoTime();
        HazelcastInstance h;
        try {
            h = Hazelcast.newHazelcastInstance(config.get());
        } catch (RuntimeException e) {
            lastError = e.toString();
            log.error("cluster[{}]: the cluster member could not start ({}); the node serves alone, next try in {} s",
                    label, e.getMessage(), RETRY_SECONDS);
            thread.schedule(this::startMember, RETRY_SECONDS, TimeUnit.SECONDS);
            return;
        }
        if (closed) {
            h.shutdown();
            return;
        }
        hz = h;
        lastError = null;
        joinMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        h.getLifecycleService().addLifecycleListener(e -> lifecycle(h, e));
        h.getCluster().addMembershipListener(new Membership());
        state = State.JOINED;
        log.info("cluster[{}]: member {} up in {} ms; members: {}", label, h.getCluster().getLocalMember().getAddress(),
                joinMillis, describe(List.copyOf(h.getCluster().getMembers())));
        listener.up(h);
    }

    /** On a Hazelcast thread: logs and hands over. */
    private void lifecycle(HazelcastInstance h, LifecycleEvent e) {
        switch (e.getState()) {
            case MERGING -> log.warn("cluster[{}]: another half of the cluster was found: merging into it", label);
            case MERGED -> {
                log.info("cluster[{}]: merged; members: {}", label, describe(List.copyOf(h.getCluster().getMembers())));
                thread.execute(() -> listener.merged(h));
            }
            case MERGE_FAILED -> log.warn("cluster[{}]: merge failed; the halves stay apart until the next check", label);
            case SHUTDOWN -> {
                if (!closed && hz == h) {
                    log.warn("cluster[{}]: the cluster member shut down; the node serves alone and restarts it", label);
                    hz = null;
                    state = State.RESTARTING;
                    thread.execute(listener::down);
                    thread.schedule(this::startMember, 1, TimeUnit.SECONDS);
                }
            }
            default -> {
            }
        }
    }

    private final class Membership implements MembershipListener {
        @Override
        public void memberAdded(MembershipEvent e) {
            log.info("cluster[{}]: member {} joined; members: {}", label, e.getMember().getAddress(),
                    describe(List.copyOf(e.getMembers())));
        }

        @Override
        public void memberRemoved(MembershipEvent e) {
            log.warn("cluster[{}]: member {} left; members: {}", label, e.getMember().getAddress(),
                    describe(List.copyOf(e.getMembers())));
        }
    }

    static String describe(List<Member> members) {
        StringBuilder b = new StringBuilder();
        for (Member m : members) {
            if (!b.isEmpty()) {
                b.append(", ");
            }
            b.append(m.getAddress().getHost()).append(':').append(m.getAddress().getPort());
            if (m.localMember()) {
                b.append(" (this)");
            }
        }
        return b.toString();
    }

    /** Shuts the member down gracefully (its partitions move to the others first, bounded at 15 s). */
    @Override
    public void close() {
        closed = true;
        state = State.STOPPED;
        thread.shutdownNow();
        HazelcastInstance h = hz;
        hz = null;
        if (h != null) {
            try {
                h.shutdown();
            } catch (RuntimeException e) {
                log.warn("cluster[{}]: member shutdown failed: {}", label, e.toString());
            }
        }
    }
}
