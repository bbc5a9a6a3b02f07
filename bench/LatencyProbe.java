import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Open-loop latency probe: HTTP/1.1 keep-alive GETs at a fixed total rate over C connections, each request's latency
 * measured from its scheduled send time (so a stall is not hidden by sending less). Bounded by count and time.
 *
 *   java LatencyProbe.java HOST PORT PATH RATE SECONDS CONNECTIONS
 * Prints: "p50_ms P p99_ms Q max_ms M completed N errors E".
 */
public class LatencyProbe {
    public static void main(String[] a) throws Exception {
        String host = a[0];
        int port = Integer.parseInt(a[1]);
        String path = a[2];
        double rate = Double.parseDouble(a[3]);
        int seconds = Integer.parseInt(a[4]);
        int conns = Integer.parseInt(a[5]);
        int perConn = (int) (rate * seconds / conns);
        long intervalNanos = (long) (1e9 * conns / rate);
        long[][] lat = new long[conns][perConn];
        AtomicInteger errors = new AtomicInteger();
        int[] done = new int[conns];
        CountDownLatch end = new CountDownLatch(conns);
        long start = System.nanoTime() + 200_000_000L;
        byte[] req = ("GET " + path + " HTTP/1.1\r\nHost: bench\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        for (int c = 0; c < conns; c++) {
            final int ci = c;
            Thread t = new Thread(() -> {
                try (Socket s = new Socket()) {
                    s.setTcpNoDelay(true);
                    s.setSoTimeout(5000);
                    s.connect(new InetSocketAddress(host, port), 5000);
                    OutputStream out = s.getOutputStream();
                    InputStream in = s.getInputStream();
                    byte[] buf = new byte[65536];
                    long first = start + (intervalNanos * ci) / conns;
                    for (int i = 0; i < perConn; i++) {
                        long due = first + i * intervalNanos;
                        long now;
                        while ((now = System.nanoTime()) < due) {
                            long wait = due - now;
                            if (wait > 200_000) {
                                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                            } else {
                                Thread.onSpinWait();
                            }
                        }
                        out.write(req);
                        readResponse(in, buf);
                        lat[ci][i] = System.nanoTime() - due;
                        done[ci]++;
                    }
                } catch (Exception e) {
                    errors.incrementAndGet();
                } finally {
                    end.countDown();
                }
            });
            t.setDaemon(true);
            t.start();
        }
        end.await();
        int n = 0;
        for (int d : done) {
            n += d;
        }
        long[] all = new long[n];
        int k = 0;
        for (int c = 0; c < conns; c++) {
            System.arraycopy(lat[c], 0, all, k, done[c]);
            k += done[c];
        }
        Arrays.sort(all);
        if (n == 0) {
            System.out.println("p50_ms nan p99_ms nan max_ms nan completed 0 errors " + errors.get());
            return;
        }
        System.out.printf("p50_ms %.3f p99_ms %.3f max_ms %.3f completed %d errors %d%n", all[n / 2] / 1e6,
                all[(int) (n * 0.99)] / 1e6, all[n - 1] / 1e6, n, errors.get());
    }

    /** Reads one response with Content-Length (nginx's return/200 and static files send it). */
    static void readResponse(InputStream in, byte[] buf) throws Exception {
        int len = 0;
        int headerEnd = -1;
        while (headerEnd < 0) {
            int r = in.read(buf, len, buf.length - len);
            if (r < 0) {
                throw new java.io.EOFException();
            }
            len += r;
            for (int i = 3; i < len; i++) {
                if (buf[i - 3] == '\r' && buf[i - 2] == '\n' && buf[i - 1] == '\r' && buf[i] == '\n') {
                    headerEnd = i + 1;
                    break;
                }
            }
        }
        String head = new String(buf, 0, headerEnd, StandardCharsets.ISO_8859_1).toLowerCase();
        int cl = head.indexOf("content-length:");
        int body = Integer.parseInt(head.substring(cl + 15, head.indexOf('\r', cl)).trim());
        long remaining = body - (len - headerEnd);
        while (remaining > 0) {
            int r = in.read(buf, 0, (int) Math.min(buf.length, remaining));
            if (r < 0) {
                throw new java.io.EOFException();
            }
            remaining -= r;
        }
    }
}
