package io.jpen.cluster.state;

import io.jpen.node.spi.NodeContext;
import io.jpen.node.spi.NodeExtension;
import io.jpen.node.spi.SharedState;

import java.util.Map;
import java.util.Set;

/** Work in progress: enabled by {@code cluster_members}. */
public final class SharedStateExtension implements NodeExtension {
    @Override
    public String name() {
        return "shared-state";
    }

    @Override
    public Set<String> keys() {
        return Set.of();
    }

    @Override
    public boolean configure(Map<String, String> options) {
        return false;
    }

    @Override
    public SharedState share(SharedState local) {
        return local;
    }

    @Override
    public void start(NodeContext node) {
    }

    @Override
    public void close() {
    }
}
