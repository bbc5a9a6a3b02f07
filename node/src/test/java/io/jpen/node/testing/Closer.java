package io.jpen.node.testing;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.ArrayList;
import java.util.List;

/**
 * Closes what a test opened (nodes, backends, sockets), last opened first, after each test, also when it failed:
 * {@code @RegisterExtension final Closer closer = new Closer();} then {@code closer.keep(InJvmNode.start(...))}.
 */
public final class Closer implements AfterEachCallback {
    private final List<AutoCloseable> resources = new ArrayList<>();

    /** Registers {@code r} to be closed after the test; returns it. */
    public <T extends AutoCloseable> T keep(T r) {
        resources.add(r);
        return r;
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        Exception first = null;
        for (int i = resources.size() - 1; i >= 0; i--) {
            try {
                resources.get(i).close();
            } catch (Exception e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        resources.clear();
        if (first != null) {
            throw first;
        }
    }
}
