package io.jpen.node.config;

import java.util.Objects;

/**
 * The identity of a backend that every node agrees on: its canonical {@code addr:port} (or Unix path).
 * Slot indexes differ between nodes while a change propagates; addresses do not, so the shared client table
 * and the shared blacklist are keyed by this.
 */
public record ServerId(String value) {
    public ServerId {
        Objects.requireNonNull(value);
    }

    @Override
    public String toString() {
        return value;
    }
}
