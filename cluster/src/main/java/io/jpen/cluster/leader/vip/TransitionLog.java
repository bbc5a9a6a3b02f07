package io.jpen.cluster.leader.vip;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/** The last transitions of this node (VIP states, view changes, fencing), with their times, for {@code vip transitions}. */
public final class TransitionLog {

    /** One entry. Immutable. */
    public record Entry(Instant at, String what, String detail) {
        @Override
        public String toString() {
            return at + " " + what + (detail.isEmpty() ? "" : " (" + detail + ")");
        }
    }

    private final int capacity;
    private final Deque<Entry> entries = new ArrayDeque<>();

    public TransitionLog(int capacity) {
        this.capacity = capacity;
    }

    public synchronized void add(String what, String detail) {
        if (entries.size() == capacity) {
            entries.removeFirst();
        }
        entries.addLast(new Entry(Instant.now(), what, detail));
    }

    /** Oldest first. */
    public synchronized List<Entry> entries() {
        return new ArrayList<>(entries);
    }
}
