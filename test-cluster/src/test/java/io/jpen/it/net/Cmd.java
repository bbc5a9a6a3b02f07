package io.jpen.it.net;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs a short command ({@code ip}, {@code nft}, {@code kill}) to completion with a timeout. A command still running
 * at the timeout is killed by its PID and reported as failed: nothing the harness runs may hang a test.
 */
public final class Cmd {
    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(20);

    private Cmd() {
    }

    /** Exit status and the merged output of one command. */
    public record Result(List<String> command, int exitCode, String output) {
        public boolean ok() {
            return exitCode == 0;
        }

        /** Returns this result, or throws naming the command, its status and its output. */
        public Result orThrow() {
            if (!ok()) {
                throw new IllegalStateException(String.join(" ", command) + ": exit " + exitCode
                        + (output.isBlank() ? "" : ": " + output.strip()));
            }
            return this;
        }
    }

    public static Result run(List<String> command) {
        return run(command, DEFAULT_TIMEOUT);
    }

    public static Result run(List<String> command, Duration timeout) {
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            return new Result(command, 127, e.getMessage());
        }
        try {
            p.getOutputStream().close(); // no command of ours reads stdin
        } catch (IOException ignored) {
            // nothing to close
        }
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()));
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
                return new Result(command, 124, "timed out after " + timeout.toMillis() + " ms");
            }
            return new Result(command, p.exitValue(), out.get(5, TimeUnit.SECONDS));
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            return new Result(command, 130, "interrupted");
        } catch (Exception e) {
            return new Result(command, p.exitValue(), "");
        }
    }

    /** Runs and throws unless the exit status is 0. */
    public static Result check(String... command) {
        return run(List.of(command)).orThrow();
    }

    /** Runs, ignoring the outcome (cleanup of things that may already be gone). */
    public static Result quiet(String... command) {
        return run(List.of(command));
    }

    /** True when {@code name} is an executable on the PATH. */
    public static boolean onPath(String name) {
        String path = System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
        for (String dir : path.split(":")) {
            if (java.nio.file.Files.isExecutable(java.nio.file.Path.of(dir, name))) {
                return true;
            }
        }
        return false;
    }

    private static String readAll(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
