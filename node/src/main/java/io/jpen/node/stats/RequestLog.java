package io.jpen.node.stats;

import io.jpen.node.affinity.ClientKey;
import io.jpen.node.select.Target;
import io.netty.buffer.ByteBuf;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Pen's {@code -l} request log: one line per chunk a client sends, {@code client_ip unix_time server_ip
 * first-line} (first line cut at 100 characters). Event loops only offer lines to a bounded queue; a daemon thread
 * writes them. A full queue drops the line and counts it (never blocks the data plane). {@link #reopen()} (SIGHUP)
 * reopens the file, for log rotation.
 */
public final class RequestLog implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger("jpen.requestlog");
    private static final String REOPEN = new String("reopen");

    private final Path file;
    private final BlockingQueue<String> queue = new ArrayBlockingQueue<>(8192);
    private final AtomicLong dropped = new AtomicLong();
    private final Thread writer;
    private volatile boolean closed;

    public RequestLog(Path file) throws IOException {
        this.file = file;
        open().close(); // fail at start if the file cannot be written
        writer = new Thread(this::run, "jpen-request-log");
        writer.setDaemon(true);
        writer.start();
    }

    public Path file() {
        return file;
    }

    public long dropped() {
        return dropped.get();
    }

    /** Called on an event loop with the chunk the client sent (not consumed). */
    public void request(ClientKey client, Target target, ByteBuf chunk) {
        int n = Math.min(chunk.readableBytes(), 100);
        int start = chunk.readerIndex();
        int end = start;
        while (end < start + n) {
            byte b = chunk.getByte(end);
            if (b == '\r' || b == '\n') {
                break;
            }
            end++;
        }
        String line = client + " " + (System.currentTimeMillis() / 1000) + " " + target.spec().addressText() + " "
                + chunk.toString(start, end - start, StandardCharsets.ISO_8859_1);
        if (!queue.offer(line)) {
            dropped.incrementAndGet();
        }
    }

    public void reopen() {
        queue.offer(REOPEN);
    }

    private BufferedWriter open() throws IOException {
        return Files.newBufferedWriter(file, StandardCharsets.ISO_8859_1, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND, StandardOpenOption.WRITE);
    }

    private void run() {
        BufferedWriter out = null;
        while (!closed || !queue.isEmpty()) {
            try {
                String line = queue.poll(200, TimeUnit.MILLISECONDS);
                if (line == null) {
                    if (out != null) {
                        out.flush();
                    }
                    continue;
                }
                if (line == REOPEN) {
                    if (out != null) {
                        out.close();
                    }
                    out = null;
                    continue;
                }
                if (out == null) {
                    out = open();
                }
                out.write(line);
                out.write('\n');
            } catch (InterruptedException e) {
                break;
            } catch (IOException e) {
                log.warn("request log {}: {}", file, e.toString());
                out = null;
            }
        }
        try {
            if (out != null) {
                out.close();
            }
        } catch (IOException e) {
            log.warn("request log {}: {}", file, e.toString());
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            writer.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
