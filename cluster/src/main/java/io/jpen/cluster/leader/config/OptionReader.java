package io.jpen.cluster.leader.config;

import io.jpen.node.config.ConfigException;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/**
 * Typed, validated access to the raw option map, falling back to each key's default in {@link LeaderKey}. Every
 * rejection names key and value in one format: {@code 'vip_priority 300': out of range (expected: 1-254)}.
 */
final class OptionReader {
    private final Map<String, String> raw;

    OptionReader(Map<String, String> raw) {
        this.raw = raw;
    }

    /** The value as given (trimmed), or the key's default; empty means unset. */
    String text(LeaderKey k) {
        String v = raw.get(k.key());
        return v == null ? k.defaultValue() : v.trim();
    }

    boolean given(LeaderKey k) {
        return raw.containsKey(k.key()) && !raw.get(k.key()).isBlank();
    }

    int integer(LeaderKey k, int min, int max) {
        String v = text(k);
        return integer(k, v, min, max);
    }

    static int integer(LeaderKey k, String v, int min, int max) {
        long n;
        try {
            n = Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw bad(k, v, "not a number (expected: " + min + "-" + max + ")");
        }
        if (n < min || n > max) {
            throw bad(k, v, "out of range (expected: " + min + "-" + max + ")");
        }
        return (int) n;
    }

    boolean flag(LeaderKey k) {
        String v = text(k).toLowerCase(Locale.ROOT);
        return switch (v) {
            case "true", "on", "yes", "1" -> true;
            case "false", "off", "no", "0" -> false;
            default -> throw bad(k, v, "not a flag (expected: true or false)");
        };
    }

    /**
     * A duration with a unit ({@code 150ms}, {@code 2s}, {@code 1.5s}); a bare number is seconds for {@code vip_*}
     * keys and milliseconds for {@code jgroups_*} keys.
     */
    Duration duration(LeaderKey k, Duration min, Duration max) {
        String v = text(k).toLowerCase(Locale.ROOT);
        Duration d = parseDuration(k, v);
        if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
            throw bad(k, v, "out of range (expected: " + show(min) + " to " + show(max) + ")");
        }
        return d;
    }

    private static Duration parseDuration(LeaderKey k, String v) {
        String number;
        double unitMillis;
        if (v.endsWith("ms")) {
            number = v.substring(0, v.length() - 2);
            unitMillis = 1;
        } else if (v.endsWith("s")) {
            number = v.substring(0, v.length() - 1);
            unitMillis = 1000;
        } else {
            number = v;
            unitMillis = k.key().startsWith("jgroups_") ? 1 : 1000;
        }
        try {
            double n = Double.parseDouble(number.trim());
            if (n < 0 || Double.isNaN(n) || Double.isInfinite(n)) {
                throw new NumberFormatException();
            }
            return Duration.ofMillis(Math.round(n * unitMillis));
        } catch (NumberFormatException e) {
            throw bad(k, v, "not a duration (expected: e.g. 200ms or 2s)");
        }
    }

    static String show(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
    }

    static ConfigException bad(LeaderKey k, String value, String reason) {
        return ConfigException.of(k.key() + " " + value, reason);
    }
}
