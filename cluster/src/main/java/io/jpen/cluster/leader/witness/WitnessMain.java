package io.jpen.cluster.leader.witness;

import io.jpen.cluster.leader.LeaderService;
import io.jpen.cluster.leader.config.LeaderKey;
import io.jpen.cluster.leader.config.LeaderOptions;
import io.jpen.node.config.ConfigException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

/**
 * {@code jpen witness [options]}: a member of the leadership group that only votes. It gives a pair of balancers the
 * third voice a quorum needs, so that a network split leaves exactly one side holding the VIP. It holds no VIP,
 * opens no listener, carries no traffic, and needs no privileges; a small heap is enough.
 *
 * <pre>
 *   jpen witness --cluster-members=10.0.0.1,10.0.0.2,10.0.0.3 --cluster-bind=10.0.0.3 [--node-name=w1]
 *                [--vip-quorum=majority] [--jgroups-*=...] [-F file] [-C [addr:]port] [-p pidfile]
 * </pre>
 * The {@code -F} file may be the nodes' own: its {@code cluster_*}, {@code jgroups_*} and {@code vip_*} lines are
 * read (vip_address and the other holder settings are ignored), everything else is skipped. {@code -C} answers the
 * {@code vip} visibility commands. Exit status: 0 after SIGTERM/SIGINT, 1 for a bad option.
 */
public final class WitnessMain {
    /** The settings only a VIP holder uses; a witness skips them when it reads a node's file. */
    private static final Set<String> HOLDER_ONLY = Set.of(
            LeaderKey.VIP_ADDRESS.key(), LeaderKey.VIP_INTERFACE.key(), LeaderKey.VIP_PRIORITY.key(),
            LeaderKey.VIP_PREEMPT.key(), LeaderKey.VIP_PREEMPT_DELAY.key(), LeaderKey.VIP_SCRIPTS_DIR.key(),
            LeaderKey.VIP_NOTIFY.key(), LeaderKey.VIP_NOTIFY_MASTER.key(), LeaderKey.VIP_NOTIFY_BACKUP.key(),
            LeaderKey.VIP_NOTIFY_FAULT.key(), LeaderKey.VIP_NOTIFY_STOP.key(), LeaderKey.VIP_CHECK_SCRIPT.key(),
            LeaderKey.VIP_WITNESS.key());

    private WitnessMain() {
    }

    public static void main(String[] args) {
        Parsed p;
        try {
            p = parse(List.of(args));
        } catch (ConfigException e) {
            System.err.println("jpen witness: " + e.getMessage());
            System.exit(1);
            return;
        }
        if (p == null) {
            System.out.print(USAGE);
            System.exit(0);
            return;
        }
        if (LoggerFactory.getILoggerFactory() instanceof ch.qos.logback.classic.LoggerContext lc) {
            lc.putProperty("node", p.name);
        }
        Logger log = LoggerFactory.getLogger("jpen.witness");
        LeaderOptions options;
        try {
            options = LeaderOptions.parse(p.options);
        } catch (ConfigException e) {
            System.err.println("jpen witness: " + e.getMessage());
            System.exit(1);
            return;
        }
        LeaderService service = new LeaderService(options, p.name, () -> true, List.of());
        WitnessControl control = null;
        try {
            service.start();
            if (p.control != null) {
                control = WitnessControl.open(p.control, service);
            }
            if (p.pidFile != null) {
                Files.writeString(Path.of(p.pidFile), ProcessHandle.current().pid() + "\n");
            }
        } catch (Exception e) {
            System.err.println("jpen witness: " + e.getMessage());
            System.exit(1);
            return;
        }
        log.info("witness {} started: {}", p.name, options.describe());
        System.out.println("STARTED");
        System.out.flush();
        CountDownLatch stop = new CountDownLatch(1);
        Signal.handle(new Signal("TERM"), s -> stop.countDown());
        Signal.handle(new Signal("INT"), s -> stop.countDown());
        try {
            stop.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (control != null) {
            control.close();
        }
        service.close();
        if (p.pidFile != null) {
            try {
                Files.deleteIfExists(Path.of(p.pidFile));
            } catch (IOException ignored) {
                // nothing to do about it at exit
            }
        }
        System.exit(0);
    }

    static final String USAGE = """
            usage: jpen witness [options]
              --cluster-members=H1,H2,H3  every node and witness (required)
              --cluster-bind=ADDR         this witness's address among them (default: the local one)
              --cluster-name=NAME         [jpen]
              --node-name=NAME            [witness-<host>]
              --vip-quorum=majority|N     [majority]
              --jgroups-*=VALUE           as on the nodes (see README)
              -F file    read cluster_*, jgroups_* and vip_quorum lines (a node's file works)
              -C [addr:]port  control port for 'vip state|view|holders|transitions' (a bare port binds 127.0.0.1)
              -p file    write the process id to file
            """;

    /** The parsed command line; null means --help. */
    record Parsed(Map<String, String> options, String name, String control, String pidFile) {
    }

    static Parsed parse(List<String> args) {
        Map<String, String> o = new LinkedHashMap<>();
        String name = null;
        String control = null;
        String pid = null;
        String file = null;
        List<String> rest = new ArrayList<>(args);
        for (int i = 0; i < rest.size(); i++) {
            String a = rest.get(i);
            if (a.equals("--help") || a.equals("-h")) {
                return null;
            }
            if (a.equals("-C") || a.equals("-F") || a.equals("-p")) {
                if (i + 1 >= rest.size()) {
                    throw ConfigException.of(a, "option needs a value");
                }
                String v = rest.get(++i);
                switch (a) {
                    case "-C" -> control = v;
                    case "-F" -> file = v;
                    default -> pid = v;
                }
                continue;
            }
            if (!a.startsWith("--")) {
                throw ConfigException.of(a, "unexpected argument (expected: options only; see jpen witness --help)");
            }
            String key = a.substring(2);
            String value;
            int eq = key.indexOf('=');
            if (eq >= 0) {
                value = key.substring(eq + 1);
                key = key.substring(0, eq);
            } else if (i + 1 < rest.size()) {
                value = rest.get(++i);
            } else {
                throw ConfigException.of(a, "option needs a value (expected: --" + key + "=VALUE)");
            }
            if (key.equals("node-name")) {
                name = value;
            } else {
                put(o, key.replace('-', '_'), value, a);
            }
        }
        if (file != null) {
            readFile(Path.of(file), o);
        }
        o.put(LeaderKey.VIP_WITNESS.key(), "true");
        o.remove(LeaderKey.VIP_ADDRESS.key());
        o.putIfAbsent(LeaderKey.VIP_QUORUM.key(), "majority");
        if (!o.containsKey(LeaderKey.CLUSTER_MEMBERS.key())) {
            throw ConfigException.of("--cluster-members", "missing (expected: every node and witness, e.g. "
                    + "--cluster-members=10.0.0.1,10.0.0.2,10.0.0.3)");
        }
        if (name == null) {
            name = "witness-" + host();
        }
        return new Parsed(o, name, control, pid);
    }

    private static void put(Map<String, String> o, String key, String value, String token) {
        if (key.startsWith("cluster_") && !LeaderKey.keys().contains(key)) {
            return; // a shared-state setting (cluster_port, ...): the witness has no use for it
        }
        if (!LeaderKey.keys().contains(key)) {
            throw ConfigException.of(token, "unknown option (expected: see jpen witness --help)");
        }
        if (!HOLDER_ONLY.contains(key)) {
            o.putIfAbsent(key, value.trim());
        }
    }

    private static void readFile(Path f, Map<String, String> o) {
        List<String> lines;
        try {
            lines = Files.readAllLines(f, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw ConfigException.of(f.toString(), "cannot read config file (" + e.getMessage() + ")");
        }
        for (String line : lines) {
            String t = line.strip();
            if (!(t.startsWith("cluster_") || t.startsWith("jgroups_") || t.startsWith("vip_"))) {
                continue;
            }
            String[] kv = t.split("\\s+", 2);
            if (kv.length == 2) {
                put(o, kv[0], kv[1], f + ": " + t); // the command line wins over the file
            }
        }
    }

    private static String host() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "jpen";
        }
    }
}
