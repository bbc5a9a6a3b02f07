package io.jpen.node.config;

/** Strict integer parsing for options and commands: Pen reads {@code x} as 0, jpen rejects it. */
public final class Numbers {
    private Numbers() {
    }

    public static int parseInt(String token, String what, long min, long max) {
        long v;
        try {
            v = Long.parseLong(token.trim());
        } catch (NumberFormatException e) {
            throw ConfigException.of(token, what + " is not a number (expected: " + range(min, max) + ")");
        }
        if (v < min || v > max) {
            throw ConfigException.of(token, what + " out of range (expected: " + range(min, max) + ")");
        }
        return (int) v;
    }

    private static String range(long min, long max) {
        return max >= Integer.MAX_VALUE ? ">= " + min : min + "-" + max;
    }
}
