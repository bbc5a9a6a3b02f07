package io.jpen.cluster.leader.track;

import io.jpen.cluster.leader.config.TrackOptions;
import io.jpen.cluster.leader.script.ScriptJob;
import io.jpen.cluster.leader.script.ScriptResult;
import io.jpen.cluster.leader.script.ScriptRunner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * keepalived's tracking: the VIP interfaces (track_interface) and this node's listener are polled every 100 ms and act
 * at once; the check script (track_script) runs every {@code vip_check_interval} on a thread of its own and changes
 * the verdict only after {@code vip_check_fall} failures in a row, or {@code vip_check_rise} successes in a row.
 * Reports and logs transitions only.
 */
public final class HealthTracker implements AutoCloseable {
    private final Logger log;

    private final TrackOptions o;
    private final List<String> interfaces;
    private final BooleanSupplier listener;
    private final InterfaceState sysfs;
    private final Consumer<Health> onChange;
    private final ScheduledExecutorService poll;
    private final ScheduledExecutorService check;
    private final ScriptJob checkJob;
    private volatile boolean checkOk = true;
    private int streak; // check thread only: successes (>0) or failures (<0) in a row
    private volatile Health current = Health.OK;

    public HealthTracker(TrackOptions options, Collection<String> vipInterfaces, BooleanSupplier listenerHealthy,
                         Consumer<Health> onChange, String node) {
        this(options, vipInterfaces, listenerHealthy, onChange, node, InterfaceState.system());
    }

    HealthTracker(TrackOptions options, Collection<String> vipInterfaces, BooleanSupplier listenerHealthy,
                  Consumer<Health> onChange, String node, InterfaceState sysfs) {
        this.log = LoggerFactory.getLogger("jpen.leader." + node);
        this.o = options;
        this.interfaces = List.copyOf(new java.util.TreeSet<>(vipInterfaces));
        this.listener = listenerHealthy;
        this.sysfs = sysfs;
        this.onChange = onChange;
        this.poll = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "jpen-vip-track"));
        this.check = options.hasCheckScript()
                ? Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "jpen-vip-check")) : null;
        this.checkJob = options.hasCheckScript()
                ? new ScriptJob("check script", List.of("/bin/sh", "-c", options.checkScript()),
                Map.of("JPEN_NODE", node), options.checkTimeout(), null)
                : null;
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** Takes a first reading (synchronously, so the node starts in the right state) and starts polling. */
    public Health start() {
        current = read();
        if (!current.ok()) {
            log.warn("tracking: FAULT at start: {}", current.reason());
        }
        poll.scheduleWithFixedDelay(this::evaluate, 100, 100, TimeUnit.MILLISECONDS);
        if (check != null) {
            check.scheduleWithFixedDelay(this::runCheck, 0, o.checkInterval().toMillis(), TimeUnit.MILLISECONDS);
        }
        return current;
    }

    public Health current() {
        return current;
    }

    private Health read() {
        List<String> down = new ArrayList<>();
        if (o.iface()) {
            for (String i : interfaces) {
                if (!sysfs.up(i)) {
                    down.add(i);
                }
            }
        }
        boolean lst = !o.listener() || listener.getAsBoolean();
        return new Health(down, lst, checkOk);
    }

    private synchronized void evaluate() {
        try {
            Health h = read();
            if (!h.equals(current)) {
                Health before = current;
                current = h;
                log.info("tracking: {} -> {}", before.reason(), h.reason());
                onChange.accept(h);
            }
        } catch (RuntimeException e) {
            log.warn("tracking failed", e);
        }
    }

    private void runCheck() {
        ScriptResult r = ScriptRunner.runNow(checkJob, false);
        if (r.ok()) {
            streak = streak > 0 ? streak + 1 : 1;
            if (!checkOk && streak >= o.rise()) {
                checkOk = true;
                evaluate();
            }
        } else {
            streak = streak < 0 ? streak - 1 : -1;
            if (checkOk && -streak >= o.fall()) {
                checkOk = false;
                evaluate();
            }
        }
    }

    @Override
    public void close() {
        poll.shutdownNow();
        if (check != null) {
            check.shutdownNow();
        }
    }
}
