package io.jpen.cluster.state;

/**
 * How the shared maps store their values: plain strings, tab-separated, with a time stamp (wall-clock ms) first.
 * Strings need no class on the receiving side and no Java serialization, and the leading stamp lets one merge
 * policy ({@link NewestStampMergePolicy}) order the values of all three maps.
 */
final class SharedValues {
    private SharedValues() {
    }

    /** The leading stamp of any shared value; {@code Long.MIN_VALUE} if it has none (an older or foreign format). */
    static long stampOf(Object value) {
        if (!(value instanceof String s)) {
            return Long.MIN_VALUE;
        }
        int tab = s.indexOf('\t');
        try {
            return Long.parseLong(tab < 0 ? s : s.substring(0, tab));
        } catch (NumberFormatException e) {
            return Long.MIN_VALUE;
        }
    }

    /** Splits into exactly {@code n} fields, the last one taking the rest; null if there are fewer. */
    private static String[] fields(String s, int n) {
        if (s == null) {
            return null;
        }
        String[] f = s.split("\t", n);
        return f.length == n ? f : null;
    }

    /**
     * A client's entry in the shared table (key: the client's address): the server it uses, when it was last seen
     * on any node, and which node wrote it.
     */
    record ClientEntry(long lastSeen, String server, String origin) {
        String encode() {
            return lastSeen + "\t" + server + "\t" + origin;
        }

        /** Null for a value that is not a client entry. */
        static ClientEntry decode(String s) {
            String[] f = fields(s, 3);
            if (f == null) {
                return null;
            }
            try {
                return new ClientEntry(Long.parseLong(f[0]), f[1], f[2]);
            } catch (NumberFormatException e) {
                return null;
            }
        }
    }

    /**
     * A server's blacklist stamp (key: the server's {@code addr:port}), with the node that set it and why. The stamp
     * has {@link io.jpen.node.health.HealthBoard}'s meaning; a cleared server has no entry.
     */
    record HealthEntry(long status, String origin, String reason) {
        String encode() {
            return status + "\t" + origin + "\t" + reason.replace('\t', ' ').replace('\n', ' ');
        }

        static HealthEntry decode(String s) {
            String[] f = fields(s, 3);
            if (f == null) {
                return null;
            }
            try {
                return new HealthEntry(Long.parseLong(f[0]), f[1], f[2]);
            } catch (NumberFormatException e) {
                return null;
            }
        }
    }

    /**
     * The settings every node shares: the script of penctl commands {@code ConfigWriter.script(settings, false)}
     * writes, the number of server slots (a script cannot express empty trailing slots), a stamp that orders versions,
     * and the node that wrote it.
     */
    record SettingsEntry(long stamp, String origin, int slots, String script) {
        String encode() {
            return stamp + "\t" + origin + "\t" + slots + "\t" + script;
        }

        static SettingsEntry decode(String s) {
            String[] f = fields(s, 4);
            if (f == null) {
                return null;
            }
            try {
                return new SettingsEntry(Long.parseLong(f[0]), f[1], Integer.parseInt(f[2]), f[3]);
            } catch (NumberFormatException e) {
                return null;
            }
        }
    }
}
