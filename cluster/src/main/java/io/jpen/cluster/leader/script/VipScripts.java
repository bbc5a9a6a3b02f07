package io.jpen.cluster.leader.script;

import io.jpen.cluster.leader.config.ScriptOptions;
import io.jpen.cluster.leader.config.VipSpec;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * Builds the jobs for the scripts of {@code vip-scripts/} and the notify hooks, with keepalived's calling contract:
 * <ul>
 *   <li>{@code vip-up IF ADDR/PREFIX}: add the address (idempotent), then a burst of gratuitous ARP</li>
 *   <li>{@code vip-down IF ADDR/PREFIX}: remove it (idempotent), no ARP</li>
 *   <li>{@code vip-garp IF ADDR}: a burst of gratuitous ARP, only while the address is on the interface</li>
 *   <li>{@code vip-renew IF ADDR/PREFIX LIFETIME}: reset the address's lifetime</li>
 *   <li>{@code vip-handover-forward add IF ADDR/PREFIX PEER [PORT]} / {@code del IF ADDR/PREFIX}: on a successor,
 *   before its vip-up in a planned handover: packets of connections it does not know go to the old holder</li>
 *   <li>{@code vip-handover-release add IF ADDR/PREFIX [SUCCESSOR [PORT]]} / {@code del IF ADDR/PREFIX}: on the old
 *   holder, instead of vip-down once the successor holds the VIP: the address moves to {@code lo} (no ARP) so its
 *   established connections go on while it drains ({@code JPEN_RELEASE_LIFETIME} seconds at most)</li>
 *   <li>notify hooks: {@code notify_master|backup|fault|stop} as configured, then the generic {@code notify} with
 *   {@code INSTANCE NAME STATE PRIORITY} appended, in that order (as keepalived does)</li>
 * </ul>
 * Every script also gets its context in the environment: {@code JPEN_EPOCH} (view id . decision number, to recognise
 * a stale call), {@code JPEN_NODE}, {@code JPEN_VIP}, {@code JPEN_VIP_NAME}, {@code JPEN_INTERFACE},
 * {@code JPEN_PRIORITY}, {@code JPEN_STATE}; vip-up and vip-garp also {@code JPEN_GARP_REPEAT},
 * {@code JPEN_GARP_INTERVAL} (seconds) and {@code JPEN_ARPING_FLAVOUR} (what vip-preflight found, e.g.
 * {@code iputils /usr/bin/arping}), vip-up {@code JPEN_VIP_LIFETIME} (seconds, 0 = forever).
 */
public final class VipScripts {
    private final ScriptOptions o;
    private final String node;

    public VipScripts(ScriptOptions options, String nodeName) {
        this.o = options;
        this.node = nodeName;
    }

    public ScriptOptions options() {
        return o;
    }

    public ScriptJob up(VipSpec v, String epoch, BooleanSupplier stillWanted) {
        Map<String, String> env = env(v, epoch, "MASTER");
        garpEnv(env, o.garpRepeat());
        env.put("JPEN_VIP_LIFETIME", Long.toString(o.lifetime().toSeconds()));
        return job("vip-up " + v.name(), List.of(script("vip-up"), v.iface(), v.cidr()), env, stillWanted);
    }

    public ScriptJob down(VipSpec v, String epoch, String state) {
        return job("vip-down " + v.name(), List.of(script("vip-down"), v.iface(), v.cidr()), env(v, epoch, state), null);
    }

    public ScriptJob garp(VipSpec v, String epoch, BooleanSupplier stillWanted) {
        Map<String, String> env = env(v, epoch, "MASTER");
        garpEnv(env, o.garpRepeat());
        return job("vip-garp " + v.name(), List.of(script("vip-garp"), v.iface(), v.address()), env, stillWanted);
    }

    /** The lifetime renewal (run by the lease thread, not the ordered runner: see {@code LeaseKeeper}). */
    public ScriptJob renew(VipSpec v) {
        return job("vip-renew " + v.name(),
                List.of(script("vip-renew"), v.iface(), v.cidr(), Long.toString(o.lifetime().toSeconds())),
                env(v, "", "MASTER"), null);
    }

    /** The per-state hook (if configured) then the generic notify (if configured), for one state change. */
    public List<ScriptJob> notify(VipSpec v, String state, String epoch) {
        List<ScriptJob> jobs = new ArrayList<>();
        Map<String, String> env = env(v, epoch, state);
        Optional<String> hook = o.hook(state);
        hook.ifPresent(h -> jobs.add(job("notify_" + state.toLowerCase(java.util.Locale.ROOT) + " " + v.name(),
                words(h), env, null)));
        if (!o.notifyCommand().isBlank()) {
            List<String> argv = new ArrayList<>(words(o.notifyCommand()));
            argv.addAll(List.of("INSTANCE", v.name(), state, Integer.toString(v.priority())));
            jobs.add(job("notify " + v.name() + " " + state, argv, env, null));
        }
        return jobs;
    }

    /**
     * True when the scripts directory has the two handover scripts (a directory from a release before them, or a
     * test's fakes, may not): without them a handover removes the VIP as before.
     */
    public boolean handoverScripts() {
        return java.nio.file.Files.isExecutable(o.dir().resolve("vip-handover-forward"))
                && java.nio.file.Files.isExecutable(o.dir().resolve("vip-handover-release"));
    }

    /** On a successor: forward packets for {@code v} of connections this host does not know to {@code peer}. */
    public ScriptJob forwardAdd(VipSpec v, String epoch, String peer, int port, BooleanSupplier stillWanted) {
        List<String> argv = new ArrayList<>(List.of(script("vip-handover-forward"), "add", v.iface(), v.cidr(), peer));
        if (port > 0) {
            argv.add(Integer.toString(port));
        }
        return job("vip-handover-forward add " + v.name(), argv, env(v, epoch, "MASTER"), stillWanted);
    }

    public ScriptJob forwardDel(VipSpec v, String epoch) {
        return job("vip-handover-forward del " + v.name(),
                List.of(script("vip-handover-forward"), "del", v.iface(), v.cidr()), env(v, epoch, "MASTER"), null);
    }

    /**
     * On the old holder, instead of vip-down: the VIP moves to {@code lo} for at most {@code lifetimeSeconds}; new
     * connections that still arrive here go to {@code successor} (null: none).
     */
    public ScriptJob releaseAdd(VipSpec v, String epoch, String successor, int port, long lifetimeSeconds) {
        List<String> argv = new ArrayList<>(List.of(script("vip-handover-release"), "add", v.iface(), v.cidr()));
        if (successor != null) {
            argv.add(successor);
            if (port > 0) {
                argv.add(Integer.toString(port));
            }
        }
        Map<String, String> env = env(v, epoch, "BACKUP");
        env.put("JPEN_RELEASE_LIFETIME", Long.toString(lifetimeSeconds));
        return job("vip-handover-release add " + v.name(), argv, env, null);
    }

    public ScriptJob releaseDel(VipSpec v, String epoch, String state) {
        return job("vip-handover-release del " + v.name(),
                List.of(script("vip-handover-release"), "del", v.iface(), v.cidr()), env(v, epoch, state), null);
    }

    /** {@code vip-preflight}: checks ip and arping before the node starts. */
    public ScriptJob preflight() {
        return job("vip-preflight", List.of(script("vip-preflight")), Map.of("JPEN_NODE", node), null);
    }

    private String script(String name) {
        return o.dir().resolve(name).toString();
    }

    private Map<String, String> env(VipSpec v, String epoch, String state) {
        Map<String, String> env = new HashMap<>();
        env.put("JPEN_EPOCH", epoch);
        env.put("JPEN_NODE", node);
        env.put("JPEN_VIP", v.cidr());
        env.put("JPEN_VIP_NAME", v.name());
        env.put("JPEN_INTERFACE", v.iface());
        env.put("JPEN_PRIORITY", Integer.toString(v.priority()));
        env.put("JPEN_STATE", state);
        return env;
    }

    private void garpEnv(Map<String, String> env, int repeat) {
        if (!o.arping().isEmpty()) {
            env.put("JPEN_ARPING_FLAVOUR", o.arping());
        }
        env.put("JPEN_GARP_REPEAT", Integer.toString(repeat));
        env.put("JPEN_GARP_INTERVAL", String.format(java.util.Locale.ROOT, "%.3f", o.garpInterval().toMillis() / 1000.0));
    }

    private ScriptJob job(String label, List<String> argv, Map<String, String> env, BooleanSupplier wanted) {
        return new ScriptJob(label, argv, env, o.timeout(), wanted);
    }

    /** A command line split on blanks, as keepalived takes a notify command without quotes. */
    static List<String> words(String command) {
        List<String> w = new ArrayList<>();
        for (String s : command.trim().split("\\s+")) {
            if (!s.isEmpty()) {
                w.add(s);
            }
        }
        return w;
    }
}
