package io.jpen.node.config;

/**
 * A command line, config file or control command that cannot be accepted.
 * The message always names the offending token, in the form {@code "token: reason (expected: ...)"},
 * so that an operator can find it without reading the source.
 */
public final class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }

    /** {@code "<token>: <reason>"}. */
    public static ConfigException of(String token, String reason) {
        return new ConfigException("'" + token + "': " + reason);
    }
}
