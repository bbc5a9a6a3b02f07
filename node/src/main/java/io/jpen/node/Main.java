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
        try {
            node.start();
        } catch (IOException | RuntimeException e) {
            System.err.println("jpen: " + e.getMessage());
            log.debug("start failed", e);
            System.exit(1);
            return;
        }
        Signal.handle(new Signal("HUP"), s -> node.reload());
        Signal.handle(new Signal("USR1"), s -> node.dumpStats());
        Signal.handle(new Signal("TERM"), s -> new Thread(node::stop, "jpen-stop").start());
        Signal.handle(new Signal("INT"), s -> new Thread(node::stop, "jpen-stop").start());
        try {
            System.exit(node.awaitStop());
        } catch (InterruptedException e) {
            System.exit(1);
        }
    }

    static String version() {
        String v = Main.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }
}
