package io.jpen.it.net;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A long-lived process the harness started (a backend, a node, a capture), with its output in a log file that is kept
 * for diagnosis. Signals go to its PID only; {@link #close()} kills it (SIGKILL) if it still runs.
 */
public final class Child implements AutoCloseable {
    private final String label;
    private final Process process;
    private final Path log;

    private Child(String label, Process process, Path log) {
        this.label = label;
        this.process = process;
        this.log = log;
    }

    /** Starts {@code command} with stdout and stderr appended to {@code log}. */
    public static Child start(String label, List<String> command, Path log) throws IOException {
        Files.writeString(log, "# " + String.join(" ", command) + "\n", StandardCharsets.UTF_8);
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        p.getOutputStream().close();
        return new Child(label, p, log);
    }

    /** Starts {@code command} with pipes to stdin and stdout; stderr goes to {@code log}. */
    public static Child piped(String label, List<String> command, Path log) throws IOException {
        Files.writeString(log, "# " + String.join(" ", command) + "\n", StandardCharsets.UTF_8);
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        return new Child(label, p, log);
    }

    public Process process() {
        return process;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public Path log() {
        return log;
    }

    public String output() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /** Waits (bounded) until the log contains {@code text}; fails with the log if the process exits first. */
    public void awaitOutput(String text, Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            if (output().contains(text)) {
                return;
            }
            if (!process.isAlive()) {
                throw new IllegalStateException(label + " exited with " + process.exitValue() + ":\n" + tail());
            }
            process.waitFor(20, TimeUnit.MILLISECONDS);
        }
        throw new IllegalStateException(label + ": no '" + text + "' within " + timeout + ":\n" + tail());
    }

    /** The last lines of the log, for failure messages. */
    public String tail() {
        String[] lines = output().split("\n");
        int from = Math.max(0, lines.length - 40);
        return String.join("\n", java.util.Arrays.asList(lines).subList(from, lines.length));
    }

    /** Sends a signal ({@code KILL}, {@code STOP}, {@code CONT}, {@code TERM}) to this process's PID. */
    public void signal(String signal) {
        Cmd.check("kill", "-" + signal, Long.toString(process.pid()));
    }

    /** Waits for the process to end; true if it did within {@code timeout}. */
    public boolean waitFor(Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public String toString() {
        return label + "[" + process.pid() + "]";
    }
}
