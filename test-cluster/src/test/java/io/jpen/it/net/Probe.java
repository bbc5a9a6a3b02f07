package io.jpen.it.net;

import io.jpen.it.agent.ProbeMain;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The test JVM's handle on a {@link ProbeMain} running in a client host: sends it commands and keeps what it
 * reports (attempts of the connectors, streams, tracked clients, control replies). Nothing here enters a namespace:
 * all client traffic comes from the probe process.
 */
public final class Probe implements AutoCloseable {
    /** One new-connection attempt: started and ended at (nanoTime), the answering backend or the failure reason. */
    public record Attempt(long seq, long start, long end, boolean ok, String detail) {
    }

    /** A long-lived connection: when it opened, which backend, how it ended (null while open). */
    public static final class Stream {
        public final String id;
        public volatile long opened;
        public volatile String backend;
        public volatile String status; // ok, lost, short, corrupt, failed; null while open
        public volatile long bytes;
        public volatile long ended;
        public volatile String detail;
        final CompletableFuture<Void> done = new CompletableFuture<>();

        Stream(String id) {
            this.id = id;
        }

        @Override
        public String toString() {
            return id + "[" + backend + " " + (status == null ? "open" : status + " " + detail) + " " + bytes + "B]";
        }
    }

    private final Child child;
    private final OutputStream stdin;
    private final Map<String, List<Attempt>> attempts = new ConcurrentHashMap<>();
    private final Map<String, Stream> streams = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<Void>> halts = new ConcurrentHashMap<>();
    private final Map<String, Map<String, String>> tracks = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<Map<String, String>>> trackDone = new ConcurrentHashMap<>();
    private final Map<String, StringBuilder> ctlOut = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<String>> ctlDone = new ConcurrentHashMap<>();
    private final CompletableFuture<Void> ready = new CompletableFuture<>();
    private final CompletableFuture<Void> bye = new CompletableFuture<>();
    private final AtomicLong ids = new AtomicLong();

    private Probe(Child child) {
        this.child = child;
        this.stdin = child.process().getOutputStream();
        Thread t = new Thread(this::follow, "jpt-probe-reader");
        t.setDaemon(true);
        t.start();
    }

    /**
     * Starts the probe in {@code client}.
     *
     * @param attemptTimeout how long one attempt may take (connect plus the backend's greeting) to count as a success
     */
    public static Probe start(Host client, Duration attemptTimeout) throws IOException {
        // the measuring instrument gets the CPU first (nice -10), so that a busy machine shows up in the figures of
        // the nodes, not as pauses of the probe
        List<String> cmd = new ArrayList<>(List.of("nice", "-n", "-10"));
        cmd.addAll(Agents.java(client, ProbeMain.class, "48m"));
        cmd.add("timeout=" + attemptTimeout.toMillis());
        cmd.add("interval=10");
        cmd.add("life=3600");
        Probe p = new Probe(client.startPiped("probe", cmd));
        try {
            p.ready.get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            p.close();
            throw new IllegalStateException("probe did not start: " + p.child.tail(), e);
        }
        return p;
    }

    private void follow() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(child.process().getInputStream(),
                StandardCharsets.US_ASCII))) {
            String line;
            while ((line = r.readLine()) != null) {
                handle(line);
            }
        } catch (IOException e) {
            // probe ended
        } finally {
            bye.complete(null);
            ready.completeExceptionally(new IllegalStateException("probe exited"));
        }
    }

    private void handle(String line) {
        String[] w = line.split(" ", 8);
        switch (w[0]) {
            case "READY" -> ready.complete(null);
            case "A" -> attempts.computeIfAbsent(w[1], k -> Collections.synchronizedList(new ArrayList<>()))
                    .add(new Attempt(Long.parseLong(w[2]), Long.parseLong(w[3]), Long.parseLong(w[4]),
                            w[5].equals("OK"), w.length > 6 ? w[6] : ""));
            case "H" -> halts.computeIfAbsent(w[1], k -> new CompletableFuture<>()).complete(null);
            case "SO" -> {
                Stream s = streams.computeIfAbsent(w[1], Stream::new);
                s.opened = Long.parseLong(w[2]);
                s.backend = w[3];
            }
            case "SE" -> {
                Stream s = streams.computeIfAbsent(w[1], Stream::new);
                s.bytes = Long.parseLong(w[3]);
                s.ended = Long.parseLong(w[4]);
                s.detail = w.length > 5 ? String.join(" ", List.of(w).subList(5, w.length)) : "";
                s.status = w[2];
                s.done.complete(null);
            }
            case "T" -> tracks.computeIfAbsent(w[1], k -> new ConcurrentHashMap<>()).put(w[2], w[3] + " " + w[4]);
            case "TE" -> trackDone.computeIfAbsent(w[1], k -> new CompletableFuture<>())
                    .complete(Map.copyOf(tracks.getOrDefault(w[1], Map.of())));
            case "C" -> ctlOut.computeIfAbsent(w[1], k -> new StringBuilder())
                    .append(line.substring(Math.min(line.length(), 3 + w[1].length()))).append('\n');
            case "CE" -> {
                CompletableFuture<String> f = ctlDone.computeIfAbsent(w[1], k -> new CompletableFuture<>());
                if (w[2].equals("ok")) {
                    StringBuilder b = ctlOut.remove(w[1]);
                    f.complete(b == null ? "" : b.toString());
                } else {
                    f.completeExceptionally(new IOException("control port: " + (w.length > 3 ? w[3] : "error")));
                }
            }
            case "BYE" -> bye.complete(null);
            default -> {
                // comments (#) and anything unknown
            }
        }
    }

    private synchronized void send(String command) {
        try {
            stdin.write((command + "\n").getBytes(StandardCharsets.US_ASCII));
            stdin.flush();
        } catch (IOException e) {
            throw new IllegalStateException("probe is gone: " + command + "\n" + child.tail(), e);
        }
    }

    // ------------------------------------------------------------------------------------------------ connectors

    /**
     * Starts a connector: a new connection from the client host's own address to {@code target} every 10 ms until
     * {@link #halt}.
     */
    public void run(String name, String target) {
        attempts.put(name, Collections.synchronizedList(new ArrayList<>()));
        halts.remove(name);
        send("run " + name + " " + target);
    }

    /** Stops a connector and waits (bounded) for its attempts in flight. */
    public void halt(String name) {
        CompletableFuture<Void> f = halts.computeIfAbsent(name, k -> new CompletableFuture<>());
        send("halt " + name);
        try {
            f.get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("connector " + name + " did not halt", e);
        }
    }

    /** A copy of a connector's attempts so far, in the order they were reported. */
    public List<Attempt> attempts(String name) {
        List<Attempt> l = attempts.get(name);
        if (l == null) {
            return List.of();
        }
        synchronized (l) {
            return List.copyOf(l);
        }
    }

    /** Successful attempts of {@code name} that ended after {@code fromNanos}. */
    public long successesSince(String name, long fromNanos) {
        return attempts(name).stream().filter(a -> a.ok && a.end >= fromNanos).count();
    }

    // ------------------------------------------------------------------------------------------------ streams

    /** Opens a long-lived streaming connection; see {@link #stream(String)} for its state. */
    public void openStream(String id, String src, String target) {
        streams.remove(id);
        send("stream " + id + " " + src + " " + target);
    }

    public Stream stream(String id) {
        return streams.get(id);
    }

    /** Finishes the streams (half-close, every byte checked) and waits (bounded) until each has ended. */
    public List<Stream> finishStreams(List<String> ids, Duration timeout) {
        for (String id : ids) {
            Stream s = streams.get(id);
            if (s != null && s.status == null) {
                send("finish " + id);
            }
        }
        long end = System.nanoTime() + timeout.toNanos();
        List<Stream> out = new ArrayList<>();
        for (String id : ids) {
            Stream s = streams.computeIfAbsent(id, Stream::new);
            try {
                s.done.get(Math.max(1, end - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (Exception e) {
                // still open at the deadline: reported as such
            }
            out.add(s);
        }
        return out;
    }

    // ------------------------------------------------------------------------------------------------ one-shots

    /** Connects once from each source: source → answering backend ({@code -} when none answered). */
    public Map<String, String> track(String target, List<String> sources, Duration timeout) {
        Map<String, String> m = new LinkedHashMap<>();
        trackTimed(target, sources, timeout).forEach((k, v) -> m.put(k, v.split(" ")[0]));
        return m;
    }

    /** Like {@link #track}, each value {@code "BACKEND MILLIS"}: who answered and how long the answer took. */
    public Map<String, String> trackTimed(String target, List<String> sources, Duration timeout) {
        String label = "t" + ids.incrementAndGet();
        CompletableFuture<Map<String, String>> f = trackDone.computeIfAbsent(label, k -> new CompletableFuture<>());
        send("track " + label + " " + target + " " + timeout.toMillis() + " " + String.join(",", sources));
        try {
            Map<String, String> m = f.get(timeout.toMillis() * 2 + 5000, TimeUnit.MILLISECONDS);
            Map<String, String> ordered = new LinkedHashMap<>();
            for (String s : sources) {
                ordered.put(s, m.getOrDefault(s, "- " + timeout.toMillis()));
            }
            return ordered;
        } catch (Exception e) {
            throw new IllegalStateException("tracked clients did not report", e);
        } finally {
            trackDone.remove(label);
            tracks.remove(label);
        }
    }

    /** One control-port command; the reply, or null when the port did not answer. */
    public String ctl(String hostPort, String command) {
        try {
            return ctlAsync(hostPort, command).get(6, TimeUnit.SECONDS);
        } catch (Exception e) {
            return null;
        }
    }

    /** Sends a control-port command without waiting for the reply (a {@code handover} answers only when done). */
    public CompletableFuture<String> ctlAsync(String hostPort, String command) {
        String id = "c" + ids.incrementAndGet();
        CompletableFuture<String> f = ctlDone.computeIfAbsent(id, k -> new CompletableFuture<>());
        f.whenComplete((r, e) -> ctlDone.remove(id));
        send("ctl " + id + " " + hostPort + " " + command);
        return f;
    }

    public Child child() {
        return child;
    }

    /** Halts everything in the probe, finishes its streams, and ends it. */
    @Override
    public void close() {
        if (child.isAlive()) {
            try {
                send("stop");
                bye.get(20, TimeUnit.SECONDS);
                child.waitFor(Duration.ofSeconds(5));
            } catch (Exception e) {
                // killed below
            }
        }
        child.close();
    }
}
