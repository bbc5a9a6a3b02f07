package io.jpen.node.config;

/** Pen's {@code tcp_fastclose}: which side's EOF closes both sides at once (default off: wait for both EOFs). */
public enum TcpFastclose {
    OFF, UP, DOWN, BOTH;

    public String word() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
