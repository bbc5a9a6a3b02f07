package io.jpen.cluster.leader.script;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class ScriptRunnerTest {
    @TempDir
    Path dir;
    private ScriptRunner runner;

    @BeforeEach
    void start() {
        runner = new ScriptRunner("test-scripts");
    }

    @AfterEach
    void stop() {
        runner.close(5000);
    }

    private ScriptJob sh(String label, String script, Duration timeout) {
        return new ScriptJob(label, List.of("/bin/sh", "-c", script), Map.of("JPEN_EPOCH", "1.1"), timeout, null);
    }

    private static ScriptResult get(CompletableFuture<ScriptResult> f) throws Exception {
        return f.get(20, TimeUnit.SECONDS);
    }

    @Test
    void jobsRunOneAtATimeInTheOrderTheyWereQueued() throws Exception {
        Path log = dir.resolve("log");
        Path lock = dir.resolve("lock");
        List<CompletableFuture<ScriptResult>> fs = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            // mkdir fails if another run holds the lock: two at once would show as status 9
            fs.add(runner.submit(sh("job" + i, "mkdir " + lock + " || exit 9; echo start " + i + " >> " + log
                    + "; sleep 0.0" + (8 - i) + "; echo end " + i + " >> " + log + "; rmdir " + lock,
                    Duration.ofSeconds(5))));
        }
        for (CompletableFuture<ScriptResult> f : fs) {
            assertThat(get(f).outcome()).isEqualTo(ScriptResult.Outcome.OK);
        }
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            expected.add("start " + i);
            expected.add("end " + i);
        }
        assertThat(Files.readAllLines(log)).containsExactlyElementsOf(expected);
    }

    @Test
    void aFailingScriptReportsItsStatusAndOutputAndTheNextOneRuns() throws Exception {
        var failed = runner.submit(sh("bad", "echo no such interface >&2; exit 3", Duration.ofSeconds(5)));
        var next = runner.submit(sh("next", "exit 0", Duration.ofSeconds(5)));
        ScriptResult r = get(failed);
        assertThat(r.outcome()).isEqualTo(ScriptResult.Outcome.FAILED);
        assertThat(r.exitCode()).isEqualTo(3);
        assertThat(r.output()).contains("no such interface");
        assertThat(get(next).ok()).isTrue();
    }

    @Test
    void aHangingScriptIsKilledWithEverythingItStartedAndTheQueueMovesOn() throws Exception {
        Path child = dir.resolve("child.pid");
        long start = System.nanoTime();
        var hung = runner.submit(sh("hang", "sleep 60 & echo $! > " + child + "; sleep 60", Duration.ofMillis(300)));
        var next = runner.submit(sh("next", "exit 0", Duration.ofSeconds(5)));
        ScriptResult r = get(hung);
        assertThat(r.outcome()).isEqualTo(ScriptResult.Outcome.TIMED_OUT);
        assertThat(get(next).ok()).isTrue();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        long pid = Long.parseLong(Files.readString(child).trim());
        await().atMost(Duration.ofSeconds(5)).until(() -> ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true));
    }

    @Test
    void aStaleJobIsSkippedWithoutRunning() throws Exception {
        Path marker = dir.resolve("ran");
        ScriptJob stale = new ScriptJob("stale", List.of("/bin/sh", "-c", "touch " + marker), Map.of(),
                Duration.ofSeconds(5), () -> false);
        assertThat(get(runner.submit(stale)).outcome()).isEqualTo(ScriptResult.Outcome.SKIPPED);
        assertThat(marker).doesNotExist();
    }

    @Test
    void aScriptLeavingABackgroundChildDoesNotHoldUpTheQueue() throws Exception {
        long start = System.nanoTime();
        ScriptResult r = get(runner.submit(sh("bg", "sleep 30 > /dev/null 2>&1 & echo started", Duration.ofSeconds(10))));
        assertThat(r.ok()).isTrue();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void aMissingScriptCannotStart() throws Exception {
        ScriptJob j = new ScriptJob("missing", List.of(dir.resolve("nope").toString()), Map.of(), Duration.ofSeconds(1), null);
        assertThat(get(runner.submit(j)).outcome()).isEqualTo(ScriptResult.Outcome.NOT_STARTED);
    }

    @Test
    void scriptsRunOnTheRunnersOwnThreadWithTheEpochInTheirEnvironment() throws Exception {
        Path out = dir.resolve("env");
        CompletableFuture<String> thread = new CompletableFuture<>();
        // the script outlasts the thenRun below: a future already complete runs it on the caller's thread ("main")
        runner.submit(sh("env", "sleep 0.3; echo $JPEN_EPOCH > " + out, Duration.ofSeconds(5)))
                .thenRun(() -> thread.complete(Thread.currentThread().getName()));
        assertThat(thread.get(10, TimeUnit.SECONDS)).isEqualTo("test-scripts");
        assertThat(Files.readString(out).trim()).isEqualTo("1.1");
    }
}
