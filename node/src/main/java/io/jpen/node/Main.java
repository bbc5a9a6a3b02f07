package io.jpen.node;

import ch.qos.logback.classic.LoggerContext;
import io.jpen.node.config.CommandLine;
import io.jpen.node.config.ConfigException;
import io.jpen.node.config.StartupOptions;
import io.jpen.node.control.ControlClient;
import io.jpen.node.spi.NodeExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.ServiceLoader;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The {@code jpen} command: {@code jpen ctl ...} is the control client, anything else starts a node. Exit status:
 * 0 after a clean stop or {@code --help}; 1 for a bad command line, config file or bind failure (the message names
 * the offending token).
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        List<String> argv = Arrays.asList(args);
        if (!argv.isEmpty() && "ctl".equals(argv.get(0))) {
            System.exit(ControlClient.run(argv.subList(1, argv.size()), System.out, System.err));
        }
        StartupOptions options;
        try {
            options = CommandLine.parse(argv, version());
        } catch (CommandLine.InfoRequested info) {
            System.out.print(info.getMessage());
            System.out.flush();
            System.exit(0);
            return;
        } catch (ConfigException e) {
            System.err.println("jpen: " + e.getMessage());
            System.exit(1);
            return;
        }
        for (String n : options.notices()) {
            System.err.println("jpen: " + n);
        }
        Node.setLogLevel(options.debug());
        Node node;
        try {
            node = Node.create(options, ServiceLoader.load(NodeExtension.class), System.out);
        } catch (ConfigException e) {
            System.err.println("jpen: " + e.getMessage());
            System.exit(1);
            return;
        }
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext lc) {
            lc.putProperty("node", node.nodeName());
        }
        Logger log = LoggerFactory.getLogger("jpen.main");
        // HUP and USR1 are caught before the start: the JVM's default for SIGHUP is to exit, and an operator (or
        // 'systemctl reload') may send it as soon as the node says it started. One that comes before the start is
        // over is carried out right after it.
        AtomicBoolean started = new AtomicBoolean();
        AtomicBoolean reloadDue = new AtomicBoolean();
        AtomicBoolean statsDue = new AtomicBoolean();
        Signal.handle(new Signal("HUP"), s -> whenStarted(started, reloadDue, node::reload));
        Signal.handle(new Signal("USR1"), s -> whenStarted(started, statsDue, node::dumpStats));
        try {
            node.start();
        } catch (IOException | RuntimeException e) {
            System.err.println("jpen: " + e.getMessage());
            log.debug("start failed", e);
            System.exit(1);
            return;
        }
        started.set(true);
        if (reloadDue.getAndSet(false)) {
            node.reload();
        }
        if (statsDue.getAndSet(false)) {
            node.dumpStats();
        }
        Signal.handle(new Signal("TERM"), s -> new Thread(node::stop, "jpen-stop").start());
        Signal.handle(new Signal("INT"), s -> new Thread(node::stop, "jpen-stop").start());
        try {
            System.exit(node.awaitStop());
        } catch (InterruptedException e) {
            System.exit(1);
        }
    }

    /**
     * Marks {@code action} due and runs it if the node has started; otherwise the main thread runs it once the start
     * is over. Whichever side takes {@code due} runs it, so a signal during the hand-over is neither lost nor doubled.
     */
    private static void whenStarted(AtomicBoolean started, AtomicBoolean due, Runnable action) {
        due.set(true);
        if (started.get() && due.getAndSet(false)) {
            action.run();
        }
    }

    static String version() {
        String v = Main.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }
}
