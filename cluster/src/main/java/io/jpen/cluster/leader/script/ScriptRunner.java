package io.jpen.cluster.leader.script;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Runs the VIP and notify scripts one at a time, in submission order, on a thread of its own: never two at once,
 * never out of order, never on a Netty or JGroups thread. This is keepalived's notify FIFO guarantee, plus what
 * keepalived leaves out: each run has a timeout, after which the script and everything it started are killed, and a
 * job can be recognised as stale when its turn comes ({@link ScriptJob#stillWanted()}).
 *
 * <p>Output goes to a file rather than a pipe, so a script that leaves a background child behind cannot hold the
 * runner up; the first 4 KiB are kept for the log.
 *
 * <p>Results complete on the runner thread: callers hand them to their own executor.
 */
public final class ScriptRunner implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger("jpen.leader.scripts");
    private static final int KEEP_OUTPUT = 4096;

    private final ExecutorService thread;

    public ScriptRunner(String threadName) {
        this.thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
    }

    /** Queues a job; the future completes when it ran (or was skipped). After {@link #close()}: NOT_STARTED. */
    public CompletableFuture<ScriptResult> submit(ScriptJob job) {
        CompletableFuture<ScriptResult> f = new CompletableFuture<>();
        try {
            thread.execute(() -> f.complete(runNow(job)));
        } catch (RejectedExecutionException e) {
            f.complete(new ScriptResult(ScriptResult.Outcome.NOT_STARTED, -1, "runner closed", 0));
        }
        return f;
    }

    /** Runs a job on the calling thread (the runner's, or a tracker's own thread for check scripts). */
    public static ScriptResult runNow(ScriptJob job) {
        return runNow(job, true);
    }

    /**
     * @param warn log a failure as a warning (a check script's failures are logged by its tracker, on transitions)
     */
    public static ScriptResult runNow(ScriptJob job, boolean warn) {
        if (job.stillWanted() != null && !job.stillWanted().getAsBoolean()) {
            log.debug("{}: skipped, no longer wanted", job.label());
            return new ScriptResult(ScriptResult.Outcome.SKIPPED, -1, "", 0);
        }
        long start = System.nanoTime();
        Path out = null;
        Process p;
        try {
            out = Files.createTempFile("jpen-script-", ".out");
            ProcessBuilder pb = new ProcessBuilder(job.argv()).redirectErrorStream(true)
                    .redirectOutput(out.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            pb.environment().putAll(job.env());
            p = pb.start();
        } catch (IOException e) {
            delete(out);
            log.warn("{}: cannot start {}: {}", job.label(), job.argv().get(0), e.getMessage());
            return new ScriptResult(ScriptResult.Outcome.NOT_STARTED, -1, e.getMessage(), 0);
        }
        boolean exited;
        try {
            exited = p.waitFor(job.timeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            exited = false;
        }
        if (!exited) {
            kill(p);
        }
        long ms = (System.nanoTime() - start) / 1_000_000;
        String output = read(out);
        delete(out);
        ScriptResult r;
        if (!exited) {
            r = new ScriptResult(ScriptResult.Outcome.TIMED_OUT, -1, output, ms);
        } else if (p.exitValue() == 0) {
            r = new ScriptResult(ScriptResult.Outcome.OK, 0, output, ms);
        } else {
            r = new ScriptResult(ScriptResult.Outcome.FAILED, p.exitValue(), output, ms);
        }
        if (r.ok() || !warn) {
            log.debug("{}: {}", job.label(), r);
        } else {
            log.warn("{}: {}{}", job.label(), r, output.isBlank() ? "" : ": " + output.strip());
        }
        return r;
    }

    /** Kills the script and everything it started (children first, so none is re-parented and left running). */
    private static void kill(Process p) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        try {
            p.waitFor(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String read(Path f) {
        if (f == null) {
            return "";
        }
        try {
            byte[] b = Files.readAllBytes(f);
            int n = Math.min(b.length, KEEP_OUTPUT);
            return new String(b, 0, n, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private static void delete(Path f) {
        if (f != null) {
            try {
                Files.deleteIfExists(f);
            } catch (IOException ignored) {
                // a temp file left in /tmp is harmless
            }
        }
    }

    /**
     * Stops taking jobs and waits (at most {@code waitMillis}) for the queued ones, e.g. the final vip-down and notify
     * STOP at shutdown.
     */
    public void close(long waitMillis) {
        thread.shutdown();
        try {
            if (!thread.awaitTermination(waitMillis, TimeUnit.MILLISECONDS)) {
                log.warn("scripts still running at shutdown; not waiting longer");
                thread.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        close(0);
    }
}
