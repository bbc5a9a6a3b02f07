package io.jpen.node.control;

import io.jpen.node.config.ConfigException;
import io.jpen.node.config.Settings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Pen's control language: one parser for the control port, {@code -o}/{@code -O}, {@code -F} files and
 * {@code include}. Tokens are split on spaces only, keywords are case-sensitive, extra tokens are ignored, and a
 * line starting with {@code #} or empty does nothing, as in Pen.
 *
 * <p>Commands that edit settings run inside {@link io.jpen.node.config.SettingsStore#update}, on a builder of the
 * current snapshot, so a command (or a whole file) applies atomically or not at all. Side effects that are not
 * settings (binding, blacklisting, writing files) are queued and run after the commit.
 *
 * <p>Unlike Pen, a malformed argument gets an error reply ({@code error: ...}) rather than being read as 0 or
 * crashing the process.
 *
 * <p>Threading: control commands run on the control executor; the cluster module applies peers' settings scripts
 * from its own thread. Each run has its own {@link Exec}; the command tables are concurrent maps, and settings are
 * changed only through the (atomic) settings store.
 */
public final class CommandInterpreter {
    private static final Logger log = LoggerFactory.getLogger("jpen.control");

    /** Where a command comes from: start-up allows what run time forbids (shrinking {@code -c}/{@code -x}). */
    public enum Origin { CONTROL, STARTUP, FILE }

    /** One command's implementation. */
    @FunctionalInterface
    public interface Command {
        void run(Args args, Exec exec);
    }

    private final NodeControl node;
    // concurrent: extensions register commands after the control port is already serving
    private final Map<String, Command> reads = new ConcurrentHashMap<>();
    private final Map<String, Command> edits = new ConcurrentHashMap<>();
    private final Map<String, Command> prefixes = new ConcurrentHashMap<>();

    public CommandInterpreter(NodeControl node) {
        this.node = node;
        PenCommands.register(this, node);
    }

    /** Registers a command that only reads state or has side effects outside the settings. */
    public void registerRead(String name, Command c) {
        reads.put(name, c);
    }

    /** Registers a command that may change the settings (it gets {@link Exec#settings()}). */
    public void registerEdit(String name, Command c) {
        edits.put(name, c);
    }

    /** Registers a handler for every command starting with {@code prefix} (extension settings in -F files). */
    public void registerPrefix(String prefix, Command c) {
        prefixes.put(prefix, c);
    }

    public NodeControl node() {
        return node;
    }

    /**
     * Runs one command line and returns its reply (possibly empty). Never throws on bad input: the error is the
     * reply.
     */
    public String execute(String line, Origin origin) {
        Args args = Args.parse(line);
        if (args == null) {
            return "";
        }
        try {
            Exec done = run(List.of(args), origin);
            return done.reply.toString();
        } catch (ConfigException e) {
            log.debug("command '{}' rejected: {}", line, e.getMessage());
            return "error: " + e.getMessage() + "\n";
        } catch (RuntimeException e) {
            log.warn("command '{}' failed", line, e);
            return "error: " + e + "\n";
        }
    }

    /**
     * Runs a whole script (config file, {@code include}) atomically: either every line applies or none does.
     *
     * @throws ConfigException naming {@code source} and the line number of the first bad line
     * @return the concatenated replies (Pen prints them to stdout at start)
     */
    public String runScript(List<String> lines, String source, Origin origin) {
        List<Args> parsed = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            Args a = Args.parse(lines.get(i));
            if (a != null) {
                a.lineNumber = i + 1;
                a.source = source;
                parsed.add(a);
            }
        }
        return run(parsed, origin).reply.toString();
    }

    /** Reads and runs a file with {@link #runScript}. */
    public String runFile(Path file, Origin origin) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw ConfigException.of(file.toString(), "cannot read config file (" + e.getMessage() + ")");
        }
        return runScript(lines, file.toString(), origin);
    }

    private Exec run(List<Args> script, Origin origin) {
        boolean edits = false;
        for (Args a : script) {
            Command c = lookup(a);
            if (c == null) {
                if (script.size() > 1 || origin != Origin.CONTROL) {
                    throw located(a, ConfigException.of(a.word(0), "unknown command"));
                }
            } else if (this.edits.containsKey(key(a))) {
                edits = true;
            }
        }
        Exec[] result = new Exec[1];
        if (edits) {
            node.settings().update(s -> {
                Exec e = new Exec(this, s, origin);
                runAll(script, e);
                result[0] = e;
                return e.build(s);
            }, origin == Origin.CONTROL ? "control" : String.valueOf(script.get(0).source));
        } else {
            Exec e = new Exec(this, node.settings().current(), origin);
            runAll(script, e);
            result[0] = e;
        }
        for (Runnable r : result[0].after) {
            r.run();
        }
        return result[0];
    }

    private void runAll(List<Args> script, Exec e) {
        for (Args a : script) {
            Command c = lookup(a);
            if (c == null) {
                e.reply.line("do_cmd: ignoring command starting with '" + a.word(0) + "'");
                continue;
            }
            try {
                c.run(a, e);
            } catch (ConfigException ex) {
                throw located(a, ex);
            }
        }
    }

    /**
     * Runs one parsed line inside an ongoing command ({@code include}); its reply is discarded (Pen prints it on
     * its own stdout). Returns null, or an error for an unknown command.
     */
    String runInline(Args a, Exec e) {
        Command c = lookup(a);
        if (c == null) {
            return "unknown command '" + a.word(0) + "'";
        }
        int mark = e.reply.length();
        c.run(a, e);
        e.reply.truncate(mark);
        return null;
    }

    private static ConfigException located(Args a, ConfigException ex) {
        if (a.source == null) {
            return ex;
        }
        return new ConfigException(a.source + ":" + a.lineNumber + ": " + ex.getMessage(), ex);
    }

    private String key(Args a) {
        if ("no".equals(a.word(0)) && a.size() > 1) {
            return "no " + a.word(1);
        }
        return a.word(0);
    }

    private Command lookup(Args a) {
        String k = key(a);
        Command c = edits.get(k);
        if (c == null) {
            c = reads.get(k);
        }
        if (c == null) {
            for (Map.Entry<String, Command> p : prefixes.entrySet()) {
                if (k.startsWith(p.getKey())) {
                    return p.getValue();
                }
            }
        }
        return c;
    }

    /** The words of one command line. */
    public static final class Args {
        private final String[] words;
        int lineNumber;
        String source;

        private Args(String[] words) {
            this.words = words;
        }

        /** Splits on spaces only (a tab is part of a word, as in Pen); null for empty lines and comments. */
        static Args parse(String line) {
            int cut = 0;
            while (cut < line.length() && line.charAt(cut) != '\r' && line.charAt(cut) != '\n') {
                cut++;
            }
            line = line.substring(0, cut);
            String[] w = Arrays.stream(line.split(" ")).filter(s -> !s.isEmpty()).toArray(String[]::new);
            if (w.length == 0 || w[0].startsWith("#")) {
                return null;
            }
            return new Args(w);
        }

        public int size() {
            return words.length;
        }

        /** Word {@code i}, or null. */
        public String word(int i) {
            return i < words.length ? words[i] : null;
        }

        public boolean has(int i) {
            return i < words.length;
        }

        /** Word {@code i}, which must be present. */
        public String require(int i, String what) {
            if (i >= words.length) {
                throw ConfigException.of(String.join(" ", words), "missing " + what);
            }
            return words[i];
        }
    }

    /** The state of one command (or script) being run. */
    public static final class Exec {
        private final CommandInterpreter interpreter;
        private final Settings base;
        private Settings.Builder builder;
        final Reply reply = new Reply();
        final List<Runnable> after = new ArrayList<>();
        final Origin origin;

        Exec(CommandInterpreter interpreter, Settings base, Origin origin) {
            this.interpreter = interpreter;
            this.base = base;
            this.origin = origin;
        }

        /** The settings being edited (a builder of the snapshot the command started from). */
        public Settings.Builder settings() {
            if (builder == null) {
                builder = base.toBuilder();
            }
            return builder;
        }

        /** The snapshot the command started from. */
        public Settings base() {
            return base;
        }

        public Reply reply() {
            return reply;
        }

        public Origin origin() {
            return origin;
        }

        /** Runs {@code r} after the settings are committed (binding, blacklisting, file writes). */
        public void after(Runnable r) {
            after.add(r);
        }

        public CommandInterpreter interpreter() {
            return interpreter;
        }

        Settings build(Settings unchanged) {
            return builder == null ? unchanged : builder.build();
        }
    }
}
