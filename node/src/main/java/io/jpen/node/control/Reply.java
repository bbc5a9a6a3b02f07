package io.jpen.node.control;

import java.nio.charset.StandardCharsets;

/**
 * A control command's reply. Pen formats each reply line into a 4096-byte buffer, so a line is cut at 4095 bytes
 * (and then has no newline); jpen keeps that cap.
 */
public final class Reply {
    static final int MAX_LINE = 4095;
    private final StringBuilder text = new StringBuilder();

    /** Adds {@code line} and a newline, capped as Pen does. */
    public Reply line(String line) {
        return raw(line + "\n");
    }

    /** Adds text as is (Pen has a few replies without newline), capped at 4095 bytes. */
    public Reply raw(String s) {
        byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
        if (b.length > MAX_LINE) {
            s = new String(b, 0, MAX_LINE, StandardCharsets.ISO_8859_1);
        }
        text.append(s);
        return this;
    }

    int length() {
        return text.length();
    }

    void truncate(int length) {
        text.setLength(length);
    }

    public boolean isEmpty() {
        return text.length() == 0;
    }

    @Override
    public String toString() {
        return text.toString();
    }
}
