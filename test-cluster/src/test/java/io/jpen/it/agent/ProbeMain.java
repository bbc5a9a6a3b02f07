package io.jpen.it.agent;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The client host's probe: one small JVM in the client namespace, driven by line commands on stdin, reporting events
 * on stdout. All times are {@link System#nanoTime()}, which on Linux is CLOCK_MONOTONIC and therefore comparable with
 * the test JVM's own clock. JDK only, so it runs from the test classes.
 *
 * <p>Commands:
 * <pre>
 * run NAME HOST:PORT              a new connection from this host's own address every interval, until halted
 *                                 (a connector)
 * halt NAME                       stop a connector; waits for its attempts in flight
 * stream ID SRC HOST:PORT         a long-lived connection streaming a known byte pattern, checked as it echoes back
 * finish ID                       stop sending, half-close, check that every byte came back
 * track LABEL HOST:PORT MS SRC,.. one connection from each source: which backend answers
 * ctl ID HOST:PORT WORDS...       one control-port command (penctl protocol)
 * stop                            halt, finish everything and exit (also on EOF of stdin, or at the life limit)
 * </pre>
 * Events:
 * <pre>
 * A NAME SEQ START END OK BACKEND | A NAME SEQ START END FAIL REASON     one attempt of a connector
 * H NAME ATTEMPTS                                                       connector halted
 * SO ID START BACKEND                                                   stream open
 * SE ID ok|lost|short|corrupt|failed BYTES END DETAIL                   stream ended
 * T LABEL SRC BACKEND|- MILLIS, then TE LABEL                           tracked clients
 * C ID LINE..., then CE ID ok|err DETAIL                                control reply
 * BYE                                                                   after stop
 * </pre>
 * An attempt succeeds when the backend's name line arrives within the attempt timeout (connect plus greeting).
 *
 * <p>Usage: {@code java -cp test-classes io.jpen.it.agent.ProbeMain [timeout=MS] [interval=MS] [life=SECONDS]}
 */
public final class ProbeMain {
    private static final PrintStream OUT = new PrintStream(System.out, false, StandardCharsets.US_ASCII);
    private static final int CHUNK = 1024;
    private static final long CHUNK_EVERY_MS = 20;

    private static int timeoutMs = 250;
    private static int intervalMs = 10;

    private static final ScheduledExecutorService TICKS = Executors.newScheduledThreadPool(2, daemon("tick"));
    private static final ThreadPoolExecutor ATTEMPTS = new ThreadPoolExecutor(0, 256, 5, TimeUnit.SECONDS,
            new SynchronousQueue<>(), daemon("attempt"));
    private static final ExecutorService WORK = Executors.newCachedThreadPool(daemon("work"));
    private static final Map<String, Connector> CONNECTORS = new ConcurrentHashMap<>();
    private static final Map<String, Stream> STREAMS = new ConcurrentHashMap<>();

    private ProbeMain() {
    }

    public static void main(String[] args) throws Exception {
        long lifeSeconds = 1800;
        for (String a : args) {
            String[] kv = a.split("=", 2);
            switch (kv[0]) {
                case "timeout" -> timeoutMs = Integer.parseInt(kv[1]);
                case "interval" -> intervalMs = Integer.parseInt(kv[1]);
                case "life" -> lifeSeconds = Long.parseLong(kv[1]);
                default -> throw new IllegalArgumentException("unknown argument " + a);
            }
        }
        // bounded: whatever happens to the test JVM, this process ends
        TICKS.schedule(() -> {
            emit("# life limit reached");
            stop();
        }, lifeSeconds, TimeUnit.SECONDS);
        emit("READY " + System.nanoTime());
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
        String line;
        while ((line = in.readLine()) != null) {
            String[] w = line.trim().split("\\s+");
            try {
                switch (w[0]) {
                    case "run" -> run(w[1], address(w[2]));
                    case "halt" -> halt(w[1]);
                    case "stream" -> stream(w[1], w[2], address(w[3]));
                    case "finish" -> {
                        String id = w[1];
                        WORK.execute(() -> finish(id)); // streams finish in parallel: one may wait seconds for EOF
                    }
                    case "track" -> track(w[1], address(w[2]), Integer.parseInt(w[3]), w[4].split(","));
                    case "ctl" -> ctl(w[1], address(w[2]), String.join(" ", List.of(w).subList(3, w.length)));
                    case "stop" -> {
                        stop();
                        return;
                    }
                    default -> emit("# unknown command " + line);
                }
            } catch (RuntimeException e) {
                emit("# bad command '" + line + "': " + e);
            }
        }
        stop();
    }

    // ------------------------------------------------------------------------------------------------ connectors

    private static final class Connector {
        final String name;
        final InetSocketAddress target;
        final AtomicLong seq = new AtomicLong();
        final AtomicInteger inFlight = new AtomicInteger();
        ScheduledFuture<?> tick;

        Connector(String name, InetSocketAddress target) {
            this.name = name;
            this.target = target;
        }

        void fire() {
            long n = seq.incrementAndGet();
            long start = System.nanoTime();
            inFlight.incrementAndGet();
            try {
                ATTEMPTS.execute(() -> {
                    try {
                        attempt(n, start);
                    } finally {
                        inFlight.decrementAndGet();
                    }
                });
            } catch (RejectedExecutionException e) {
                inFlight.decrementAndGet();
                emit("A " + name + " " + n + " " + start + " " + System.nanoTime() + " FAIL busy");
            }
        }

        void attempt(long n, long start) {
            String outcome;
            boolean connected = false;
            // No bind before the connect: the kernel picks the port at connect time, and may then reuse one that a
            // connection to another VIP left in TIME_WAIT. Bound first, a port is the address's alone: at 300
            // connections a second (three connectors) half the range sat in TIME_WAIT after ~50 s, and from then
            // every bind scanned it; the machine spent 95 % of its time in the kernel for ten seconds and more, and
            // every node stalled (warm-up of 2026-11-27).
            try (Socket s = new Socket()) {
                s.connect(target, timeoutMs);
                connected = true;
                int left = (int) Math.max(1, timeoutMs - (System.nanoTime() - start) / 1_000_000);
                s.setSoTimeout(left);
                String name = readLine(s.getInputStream());
                outcome = name == null || name.isEmpty() ? "FAIL eof" : "OK " + name;
            } catch (SocketTimeoutException e) {
                // no answer to the SYN, or connected but no backend greeting: a lost SYN or SYN-ACK is a network
                // matter, a missing greeting one of the balancer (or its backend)
                outcome = connected ? "FAIL no-greeting" : "FAIL timeout";
            } catch (ConnectException e) {
                outcome = "FAIL refused";
            } catch (NoRouteToHostException e) {
                outcome = "FAIL unreachable";
            } catch (IOException e) {
                outcome = "FAIL " + word(e);
            }
            emit("A " + name + " " + n + " " + start + " " + System.nanoTime() + " " + outcome);
        }
    }

    private static void run(String name, InetSocketAddress target) {
        Connector c = new Connector(name, target);
        if (CONNECTORS.putIfAbsent(name, c) != null) {
            emit("# connector " + name + " exists");
            return;
        }
        c.tick = TICKS.scheduleAtFixedRate(c::fire, 0, intervalMs, TimeUnit.MILLISECONDS);
    }

    private static void halt(String name) {
        Connector c = CONNECTORS.remove(name);
        if (c == null) {
            emit("H " + name + " 0");
            return;
        }
        c.tick.cancel(false);
        long end = System.nanoTime() + (timeoutMs + 2000L) * 1_000_000;
        while (c.inFlight.get() > 0 && System.nanoTime() < end) {
            pause(5);
        }
        emit("H " + name + " " + c.seq.get());
    }

    // ------------------------------------------------------------------------------------------------ streams

    /** A long-lived connection: writes a known pattern in small chunks, checks the echo byte by byte. */
    private static final class Stream {
        final String id;
        final Socket socket;
        final long seed;
        final AtomicLong sent = new AtomicLong();
        final AtomicLong verified = new AtomicLong();
        final AtomicBoolean finishing = new AtomicBoolean();
        final AtomicBoolean reported = new AtomicBoolean();
        volatile String failure;
        Thread writer;
        Thread reader;

        Stream(String id, Socket socket) {
            this.id = id;
            this.socket = socket;
            this.seed = id.hashCode() * 0x9E3779B97F4A7C15L;
        }

        byte at(long pos) {
            return (byte) ((pos * 0x2545F4914F6CDD1DL + seed) >>> 29);
        }

        /** The writer thread: one chunk every {@link #CHUNK_EVERY_MS} until finishing or failed. */
        void write() {
            byte[] b = new byte[CHUNK];
            while (!finishing.get() && failure == null) {
                long from = sent.get();
                for (int i = 0; i < CHUNK; i++) {
                    b[i] = at(from + i);
                }
                try {
                    OutputStream out = socket.getOutputStream();
                    out.write(b);
                    out.flush();
                    sent.addAndGet(CHUNK);
                } catch (IOException e) {
                    if (!finishing.get()) {
                        lose("write " + word(e));
                    }
                    return;
                }
                pause(CHUNK_EVERY_MS);
            }
        }

        void read(InputStream in) {
            byte[] buf = new byte[8192];
            try {
                int n;
                while ((n = in.read(buf)) > 0) {
                    long base = verified.get();
                    for (int i = 0; i < n; i++) {
                        if (buf[i] != at(base + i)) {
                            report("corrupt", "byte " + (base + i));
                            return;
                        }
                    }
                    verified.addAndGet(n);
                }
                if (finishing.get()) {
                    report(verified.get() == sent.get() ? "ok" : "short", "sent " + sent.get());
                } else {
                    lose("eof");
                }
            } catch (IOException e) {
                if (finishing.get()) {
                    report(verified.get() == sent.get() ? "ok" : "short", word(e) + " sent " + sent.get());
                } else {
                    lose(word(e));
                }
            }
        }

        void lose(String why) {
            failure = why;
            report("lost", why);
        }

        void report(String status, String detail) {
            if (reported.compareAndSet(false, true)) {
                emit("SE " + id + " " + status + " " + verified.get() + " " + System.nanoTime() + " " + detail);
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // done with it
                }
            }
        }
    }

    private static void stream(String id, String src, InetSocketAddress target) {
        WORK.execute(() -> {
            long start = System.nanoTime();
            Socket s = new Socket();
            try {
                s.bind(new InetSocketAddress(InetAddress.getByName(src), 0));
                s.setTcpNoDelay(true);
                s.connect(target, 2000);
                s.setSoTimeout(2000);
                InputStream in = s.getInputStream();
                String backend = readLine(in);
                if (backend == null || backend.isEmpty()) {
                    throw new IOException("no-greeting");
                }
                s.setSoTimeout(0);
                Stream st = new Stream(id, s);
                STREAMS.put(id, st);
                emit("SO " + id + " " + start + " " + backend);
                st.reader = new Thread(() -> st.read(in), "stream-" + id);
                st.reader.setDaemon(true);
                st.reader.start();
                st.writer = new Thread(st::write, "stream-writer-" + id);
                st.writer.setDaemon(true);
                st.writer.start();
            } catch (IOException e) {
                emit("SE " + id + " failed 0 " + System.nanoTime() + " " + word(e));
                try {
                    s.close();
                } catch (IOException ignored) {
                    // never opened
                }
            }
        });
    }

    private static void finish(String id) {
        Stream st = STREAMS.remove(id);
        if (st == null) {
            emit("SE " + id + " failed 0 " + System.nanoTime() + " unknown-stream");
            return;
        }
        if (st.finishing.getAndSet(true) || st.failure != null) {
            return; // already reported
        }
        try {
            st.writer.join(3000); // the write in flight completes; a writer stuck longer is a lost stream
            if (st.writer.isAlive()) {
                st.lose("write-stalled");
                return;
            }
            st.socket.setSoTimeout(5000);
            st.socket.shutdownOutput();
        } catch (IOException e) {
            st.lose("half-close " + word(e));
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        try {
            st.reader.join(6000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        st.report("short", "no EOF after half-close");
    }

    // ------------------------------------------------------------------------------------------------ one-shots

    private static void track(String label, InetSocketAddress target, int ms, String[] sources) {
        WORK.execute(() -> {
            List<java.util.concurrent.Future<String>> results = new ArrayList<>();
            for (String src : sources) {
                results.add(WORK.submit(() -> {
                    long t0 = System.nanoTime();
                    String who = "-";
                    try (Socket s = new Socket()) {
                        s.bind(new InetSocketAddress(InetAddress.getByName(src), 0));
                        s.connect(target, ms);
                        s.setSoTimeout(ms);
                        String name = readLine(s.getInputStream());
                        if (name != null && !name.isEmpty()) {
                            who = name;
                        }
                    } catch (IOException e) {
                        who = "-";
                    }
                    return "T " + label + " " + src + " " + who + " " + (System.nanoTime() - t0) / 1_000_000;
                }));
            }
            for (java.util.concurrent.Future<String> f : results) {
                try {
                    emit(f.get());
                } catch (Exception e) {
                    emit("# track failed: " + e);
                }
            }
            emit("TE " + label);
        });
    }

    private static void ctl(String id, InetSocketAddress target, String command) {
        WORK.execute(() -> {
            try (Socket s = new Socket()) {
                s.connect(target, 1000);
                s.setSoTimeout(3000);
                s.getOutputStream().write((command + "\n").getBytes(StandardCharsets.ISO_8859_1));
                s.getOutputStream().flush();
                BufferedReader r = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
                String line;
                StringBuilder all = new StringBuilder();
                while ((line = r.readLine()) != null) {
                    all.append("C ").append(id).append(' ').append(line).append('\n');
                }
                all.append("CE ").append(id).append(" ok");
                emit(all.toString());
            } catch (IOException e) {
                emit("CE " + id + " err " + word(e));
            }
        });
    }

    private static void stop() {
        for (String name : List.copyOf(CONNECTORS.keySet())) {
            halt(name);
        }
        List<Thread> finishing = new ArrayList<>();
        for (String id : List.copyOf(STREAMS.keySet())) {
            Thread t = new Thread(() -> finish(id));
            t.start();
            finishing.add(t);
        }
        for (Thread t : finishing) {
            try {
                t.join(8000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        emit("BYE");
        System.exit(0);
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private static String readLine(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
                return b.toString();
            }
            b.append((char) c);
            if (b.length() > 200) {
                break;
            }
        }
        return b.length() == 0 ? null : b.toString();
    }

    private static InetSocketAddress address(String hostPort) {
        int i = hostPort.lastIndexOf(':');
        return new InetSocketAddress(hostPort.substring(0, i), Integer.parseInt(hostPort.substring(i + 1)));
    }

    /** One word for an exception, for the event lines: "reset", "closed", "broken-pipe", else the class name. */
    private static String word(IOException e) {
        String m = String.valueOf(e.getMessage()).toLowerCase(java.util.Locale.ROOT);
        if (m.contains("reset")) {
            return "reset";
        }
        if (m.contains("broken pipe")) {
            return "broken-pipe";
        }
        if (m.contains("closed")) {
            return "closed";
        }
        if (m.contains("timed out")) {
            return "timeout";
        }
        if (m.contains("refused")) {
            return "refused";
        }
        if (m.contains("unreachable") || m.contains("no route")) {
            return "unreachable";
        }
        return e.getClass().getSimpleName();
    }

    private static void emit(String line) {
        synchronized (OUT) {
            OUT.println(line);
            OUT.flush();
        }
    }

    private static void pause(long ms) {
        try {
            Thread.sleep(ms); // the probe's own pacing, in its own process
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
