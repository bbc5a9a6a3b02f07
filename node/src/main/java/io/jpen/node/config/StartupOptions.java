package io.jpen.node.config;

import java.util.List;
import java.util.Map;

/**
 * What the command line says that only matters at start (or is local to this process): where to listen, the
 * control port, files, and the raw material for the initial {@link Settings}. Immutable.
 *
 * @param listen          positional argument 1, or null if the config file provides {@code listen}
 * @param servers         positional server specs (slots 0..n-1), unparsed until the listen port is known
 * @param settingOptions  option-derived settings, applied before {@code -o} and {@code -F}, in command-line order
 * @param commands        {@code -o}/{@code -O} commands, in order
 * @param extensionOptions long options for extensions ({@code --cluster-members=...} as {@code cluster_members})
 */
public record StartupOptions(
        String listen,
        List<String> servers,
        List<String> settingOptions,
        List<String> commands,
        String configFile,
        String control,
        String pidFile,
        String emergency,
        String abuse,
        int debug,
        int backlog,
        int multiAccept,
        boolean exitEnabled,
        boolean udp,
        boolean foreground,
        int workers,
        String nodeName,
        Map<String, String> extensionOptions,
        List<String> notices) {

    /** The command line that {@code write} puts in its second comment line. */
    public String describe() {
        StringBuilder b = new StringBuilder("jpen");
        if (udp) {
            b.append(" -U");
        }
        if (exitEnabled) {
            b.append(" -X");
        }
        if (emergency != null) {
            b.append(" -e ").append(emergency);
        }
        if (abuse != null) {
            b.append(" -B ").append(abuse);
        }
        if (pidFile != null) {
            b.append(" -p ").append(pidFile);
        }
        if (configFile != null) {
            b.append(" -F '").append(configFile).append('\'');
        }
        if (control != null) {
            b.append(" -C ").append(control);
        }
        if (listen != null) {
            b.append(' ').append(listen);
        }
        return b.toString();
    }
}
