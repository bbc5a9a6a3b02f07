package io.jpen.cluster.leader.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * How the VIP and notify scripts run (see {@link LeaderKey}). Immutable.
 *
 * @param dir       where vip-up, vip-down, vip-garp, vip-renew and vip-preflight live
 * @param notifyCommand keepalived's generic notify command (gets INSTANCE NAME STATE PRIORITY appended), or empty
 * @param lifetime  the VIP's valid_lft, {@link Duration#ZERO} for forever
 * @param arping    which arping vip-preflight found ("iputils /usr/bin/arping"), given to the scripts so that vip-up
 *                  need not look it up (two program runs, ~8 ms on an idle host) between the decision and the
 *                  first gratuitous ARP; empty: the scripts look it up themselves
 */
public record ScriptOptions(Path dir, String notifyCommand, String notifyMaster, String notifyBackup, String notifyFault,
                            String notifyStop, Duration timeout, int garpRepeat, Duration garpInterval,
                            Duration garpDelay, Duration garpRefresh, Duration lifetime, String arping) {

    /** The per-state hook for a keepalived state name, if one is configured. */
    public Optional<String> hook(String state) {
        String h = switch (state) {
            case "MASTER" -> notifyMaster;
            case "BACKUP" -> notifyBackup;
            case "FAULT" -> notifyFault;
            case "STOP" -> notifyStop;
            default -> "";
        };
        return h.isBlank() ? Optional.empty() : Optional.of(h);
    }

    /** The same options with another script directory (tests use recording fakes). */
    public ScriptOptions withDir(Path d) {
        return new ScriptOptions(d, notifyCommand, notifyMaster, notifyBackup, notifyFault, notifyStop, timeout, garpRepeat,
                garpInterval, garpDelay, garpRefresh, lifetime, arping);
    }

    /** The same options with the arping that vip-preflight found. */
    public ScriptOptions withArping(String found) {
        return new ScriptOptions(dir, notifyCommand, notifyMaster, notifyBackup, notifyFault, notifyStop, timeout,
                garpRepeat, garpInterval, garpDelay, garpRefresh, lifetime, found);
    }
}
