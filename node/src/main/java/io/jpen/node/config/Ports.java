package io.jpen.node.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Port numbers and service names, as Pen reads them: a number 1-65535 or a name from {@code /etc/services}
 * ({@code http-alt} is 8080). Unlike Pen, a number outside 1-65535 is rejected instead of wrapped to 16 bits.
 * Called only while parsing configuration (it may read a file), never on an event loop.
 */
public final class Ports {
    private static volatile Map<String, Integer> services;

    private Ports() {
    }

    public static int parse(String token, String what) {
        if (token.isEmpty()) {
            throw ConfigException.of(token, what + " is empty (expected: 1-65535 or a service name)");
        }
        if (Character.isDigit(token.charAt(0)) || token.charAt(0) == '-' || token.charAt(0) == '+') {
            long value;
            try {
                value = Long.parseLong(token);
            } catch (NumberFormatException e) {
                throw ConfigException.of(token, what + " is not a number (expected: 1-65535)");
            }
            if (value < 1 || value > 65535) {
                throw ConfigException.of(token, what + " out of range (expected: 1-65535)");
            }
            return (int) value;
        }
        Integer port = services().get(token);
        if (port == null) {
            throw ConfigException.of(token, "unknown service name for " + what + " (expected: 1-65535 or a name from /etc/services)");
        }
        return port;
    }

    private static Map<String, Integer> services() {
        Map<String, Integer> s = services;
        if (s == null) {
            s = load(Path.of("/etc/services"));
            services = s;
        }
        return s;
    }

    static Map<String, Integer> load(Path file) {
        Map<String, Integer> map = new HashMap<>();
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            return map;
        }
        for (String line : lines) {
            int hash = line.indexOf('#');
            if (hash >= 0) {
                line = line.substring(0, hash);
            }
            String[] f = line.trim().split("\\s+");
            if (f.length < 2) {
                continue;
            }
            int slash = f[1].indexOf('/');
            if (slash < 0) {
                continue;
            }
            int port;
            try {
                port = Integer.parseInt(f[1].substring(0, slash));
            } catch (NumberFormatException e) {
                continue;
            }
            for (int i = 0; i < f.length; i++) {
                if (i != 1) {
                    map.putIfAbsent(f[i], port);
                }
            }
        }
        return map;
    }
}
