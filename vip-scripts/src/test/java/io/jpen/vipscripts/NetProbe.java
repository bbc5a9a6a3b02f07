package io.jpen.vipscripts;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The two ends of a handover test, run as processes inside network namespaces (JDK only, one file, so that the
 * cluster module's end-to-end test can start it with the source launcher too):
 * <ul>
 *   <li>{@code serve PORT ID}: every connection first receives the line {@code ID}, then its own bytes back (echo);</li>
 *   <li>{@code client HOST PORT STREAMS INTERVAL_MS [IDLE]}: opens STREAMS long-lived connections that each send a
 *   1 KiB block every INTERVAL_MS and check that the echo comes back byte for byte, IDLE connections that send
 *   nothing, and a new connection every INTERVAL_MS, reading the first line (who answered). Prints one line per
 *   event (below) until a line {@code stop} arrives on standard input; then the streams close cleanly, the idle
 *   connections half-close (their first packet in a long while is a FIN) and must see the server close in turn, and
 *   it prints their summary and exits.</li>
 * </ul>
 * Client output, times in ms since the client started:
 * <pre>
 * STREAM i UP id               stream i is established, answered by id
 * A t ok id | A t fail reason  one new connection attempt, completed at t
 * P i blocks                   stream i has exchanged this many blocks so far (every 50 blocks)
 * STREAM i OK blocks | STREAM i CUT blocks reason   at the end
 * IDLE i UP id, later IDLE i OK | IDLE i CUT reason
 * DONE
 * </pre>
 */
public final class NetProbe {
    private static final int BLOCK = 1024;
    private static final long START = System.nanoTime();
    private static final PrintStream OUT = new PrintStream(System.out, true, StandardCharsets.UTF_8);

    private NetProbe() {
    }

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "serve" -> serve(Integer.parseInt(args[1]), args[2]);
            case "client" -> client(args[1], Integer.parseInt(args[2]), Integer.parseInt(args[3]),
                    Integer.parseInt(args[4]), args.length > 5 ? Integer.parseInt(args[5]) : 0);
            default -> throw new IllegalArgumentException(
                    "usage: serve PORT ID | client HOST PORT STREAMS INTERVAL_MS [IDLE]");
        }
    }

    private static long now() {
        return (System.nanoTime() - START) / 1_000_000;
    }

    private static synchronized void say(String line) {
        OUT.println(line);
    }

    // ------------------------------------------------------------------------------------------------- server

    private static void serve(int port, String id) throws IOException {
        ExecutorService pool = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r);
            t.setDaemon(true);
            return t;
        });
        try (ServerSocket ss = new ServerSocket()) {
            ss.setReuseAddress(true);
            ss.bind(new InetSocketAddress(port), 512);
            say("LISTENING " + port);
            while (true) {
                Socket s = ss.accept();
                pool.execute(() -> echo(s, id));
            }
        }
    }

    private static void echo(Socket s, String id) {
        try (s) {
            s.setTcpNoDelay(true);
            OutputStream out = s.getOutputStream();
            out.write((id + "\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[8192];
            int n;
            while ((n = in.read(buf)) > 0) {
                out.write(buf, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // the client went away
        }
    }

    // ------------------------------------------------------------------------------------------------- client

    private static void client(String host, int port, int streams, int intervalMs, int idle) throws Exception {
        AtomicBoolean running = new AtomicBoolean(true);
        java.util.concurrent.CountDownLatch stopped = new java.util.concurrent.CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        String[] results = new String[streams];
        String[] idleResults = new String[idle];
        for (int i = 0; i < streams; i++) {
            int idx = i;
            Thread t = new Thread(() -> results[idx] = stream(idx, host, port, intervalMs, running), "stream-" + i);
            t.start();
            threads.add(t);
        }
        for (int i = 0; i < idle; i++) {
            int idx = i;
            Thread t = new Thread(() -> idleResults[idx] = idle(idx, host, port, stopped), "idle-" + i);
            t.start();
            threads.add(t);
        }
        ScheduledExecutorService tick = Executors.newSingleThreadScheduledExecutor();
        ExecutorService attempts = Executors.newFixedThreadPool(16);
        tick.scheduleAtFixedRate(() -> attempts.execute(() -> attempt(host, port)), 0, intervalMs,
                TimeUnit.MILLISECONDS);
        BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = stdin.readLine()) != null && !line.trim().equals("stop")) {
            // wait for the word
        }
        tick.shutdownNow();
        attempts.shutdown();
        attempts.awaitTermination(10, TimeUnit.SECONDS);
        running.set(false);
        stopped.countDown();
        for (Thread t : threads) {
            t.join(15_000);
        }
        for (int i = 0; i < streams; i++) {
            say("STREAM " + i + " " + (results[i] == null ? "CUT ? did not finish" : results[i]));
        }
        for (int i = 0; i < idle; i++) {
            say("IDLE " + i + " " + (idleResults[i] == null ? "CUT did not finish" : idleResults[i]));
        }
        say("DONE");
        System.exit(0);
    }

    private static void attempt(String host, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 1000);
            s.setSoTimeout(2000);
            String id = readLine(s.getInputStream());
            say("A " + now() + " ok " + id);
        } catch (IOException e) {
            say("A " + now() + " fail " + e.toString().replace('\n', ' '));
        }
    }

    /** One long-lived connection; returns "OK blocks" or "CUT blocks reason". */
    private static String stream(int idx, String host, int port, int intervalMs, AtomicBoolean running) {
        long blocks = 0;
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 2000);
            s.setSoTimeout(5000); // a stream that stalls this long counts as cut
            s.setTcpNoDelay(true);
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            say("STREAM " + idx + " UP " + readLine(in));
            byte[] sent = new byte[BLOCK];
            byte[] got = new byte[BLOCK];
            long next = System.nanoTime();
            while (running.get()) {
                fill(sent, idx, blocks);
                out.write(sent);
                out.flush();
                int n = 0;
                while (n < BLOCK) {
                    int r = in.read(got, n, BLOCK - n);
                    if (r < 0) {
                        return "CUT " + blocks + " end of stream";
                    }
                    n += r;
                }
                if (!Arrays.equals(sent, got)) {
                    return "CUT " + blocks + " corrupted";
                }
                blocks++;
                if (blocks % 50 == 0) {
                    say("P " + idx + " " + blocks);
                }
                next += TimeUnit.MILLISECONDS.toNanos(intervalMs);
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    java.util.concurrent.locks.LockSupport.parkNanos(wait); // the pace of the stream
                }
            }
            s.shutdownOutput(); // a clean end: the server sees EOF and closes; we see EOF
            if (in.read() >= 0) {
                return "CUT " + blocks + " data after the end";
            }
            return "OK " + blocks;
        } catch (IOException e) {
            return "CUT " + blocks + " " + e.toString().replace('\n', ' ');
        }
    }

    /**
     * A connection that sends nothing until the end, then half-closes: the server (an echo) must see the FIN and
     * close in turn. Returns "OK" or "CUT reason".
     */
    private static String idle(int idx, String host, int port, java.util.concurrent.CountDownLatch stopped) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 2000);
            InputStream in = s.getInputStream();
            s.setSoTimeout(5000);
            say("IDLE " + idx + " UP " + readLine(in));
            stopped.await();
            s.shutdownOutput();
            return in.read() < 0 ? "OK" : "CUT data after the end";
        } catch (IOException e) {
            return "CUT " + e.toString().replace('\n', ' ');
        } catch (InterruptedException e) {
            return "CUT interrupted";
        }
    }

    /** Deterministic content: stream index and block number, so a misplaced or foreign block shows. */
    private static void fill(byte[] b, int idx, long block) {
        long x = (idx + 1) * 0x9E3779B97F4A7C15L ^ block;
        for (int i = 0; i < b.length; i++) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            b[i] = (byte) x;
        }
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') {
            sb.append((char) c);
        }
        if (c < 0) {
            throw new IOException("closed before the first line");
        }
        return sb.toString();
    }
}
