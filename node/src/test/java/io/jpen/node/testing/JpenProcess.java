package io.jpen.node.testing;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real jpen process started through the real launcher ({@code ./jpen} at the repository root, which needs the
 * distribution built by {@code mvn package}). Output goes to a log file the test can read. Stopped by its own PID.
 */
public final class JpenProcess implements AutoCloseable {
    private final Process process;
    private final Path log;

    private JpenProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /** The repository root (found by walking up to the directory holding the {@code jpen} launcher). */
    public static Path root() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isRegularFile(p.resolve("jpen"))) {
            p = p.getParent();
        }
        if (p == null) {
            throw new IllegalStateException("no jpen launcher above " + Path.of("").toAbsolutePath());
        }
        return p;
    }

    /** The launcher works only once the distribution is assembled; tests that need it check this first. */
    public static boolean distributionBuilt() {
        return Files.isDirectory(root().resolve("deploy/target/jpen/lib"));
    }

    public static JpenProcess start(List<String> args) throws IOException {
        return start(args, List.of());
    }

    /** @param prefix commands before the launcher (e.g. {@code ip netns exec NS}) */
    public static JpenProcess start(List<String> args, List<String> prefix) throws IOException {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.add(root().resolve("jpen").toString());
        cmd.addAll(args);
        Path log = Files.createTempFile("jpen-test-", ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putIfAbsent("JPEN_HEAP", "128m");
        return new JpenProcess(pb.start(), log);
    }

    /** Runs jpen to completion (bad command lines, {@code --help}, {@code ctl}) and returns exit code and output. */
    public static Result run(List<String> args, Duration timeout) throws IOException, InterruptedException {
        try (JpenProcess p = start(args)) {
            if (!p.process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("jpen " + args + " did not exit within " + timeout);
            }
            return new Result(p.process.exitValue(), p.output());
        }
    }

    public record Result(int exitCode, String output) {
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public String output() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    public Path logFile() {
        return log;
    }

    /** Waits until the log contains {@code text}. */
    public void awaitOutput(String text, Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            if (output().contains(text)) {
                return;
            }
            if (!process.isAlive()) {
                throw new IllegalStateException("jpen exited with " + process.exitValue() + ":\n" + output());
            }
            process.waitFor(50, TimeUnit.MILLISECONDS);
        }
        throw new IllegalStateException("no '" + text + "' within " + timeout + ":\n" + output());
    }

    /** Sends a signal by PID ({@code TERM}, {@code HUP}, {@code USR1}, {@code KILL}, {@code STOP}, {@code CONT}). */
    public void signal(String sig) throws IOException, InterruptedException {
        new ProcessBuilder("kill", "-" + sig, Long.toString(process.pid())).inheritIO().start().waitFor();
    }

    public int waitFor(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("jpen did not exit within " + timeout);
        }
        return process.exitValue();
    }

    /** Kills the process (SIGKILL) if still running and removes the log. */
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
        new File(log.toString()).delete();
    }
}
