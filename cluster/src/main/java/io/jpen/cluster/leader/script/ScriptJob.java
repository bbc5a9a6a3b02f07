package io.jpen.cluster.leader.script;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * One script run, as queued on the {@link ScriptRunner}. Immutable.
 *
 * @param label      for logs and the transition history, e.g. {@code vip-up 10.0.0.100}
 * @param argv       the command and its arguments (no shell unless the command is one)
 * @param env        added to the environment; always includes {@code JPEN_EPOCH}
 * @param timeout    killed (with everything it started) after this
 * @param stillWanted checked on the runner thread just before the run: false skips the job (a stale action, e.g. a
 *                   vip-up for a leadership that ended while it waited). Null: always run
 */
public record ScriptJob(String label, List<String> argv, Map<String, String> env, Duration timeout,
                        BooleanSupplier stillWanted) {

    public ScriptJob {
        argv = List.copyOf(argv);
        env = Map.copyOf(env);
    }
}
