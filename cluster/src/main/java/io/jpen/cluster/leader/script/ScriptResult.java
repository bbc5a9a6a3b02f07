package io.jpen.cluster.leader.script;

/**
 * How a {@link ScriptJob} ended. Immutable.
 *
 * @param exitCode the exit status, or -1 when it did not exit by itself
 * @param output   the first few KiB of stdout and stderr together
 */
public record ScriptResult(Outcome outcome, int exitCode, String output, long millis) {

    public enum Outcome {
        /** Exited with status 0. */
        OK,
        /** Exited with another status. */
        FAILED,
        /** Ran longer than its timeout and was killed. */
        TIMED_OUT,
        /** Could not be started (missing, not executable). */
        NOT_STARTED,
        /** Not run: no longer wanted when its turn came. */
        SKIPPED
    }

    public boolean ok() {
        return outcome == Outcome.OK;
    }

    @Override
    public String toString() {
        return switch (outcome) {
            case OK -> "ok in " + millis + " ms";
            case FAILED -> "failed with status " + exitCode + " in " + millis + " ms";
            case TIMED_OUT -> "timed out after " + millis + " ms and was killed";
            case NOT_STARTED -> "could not start: " + output;
            case SKIPPED -> "skipped (stale)";
        };
    }
}
