package io.jpen.node.proxy;

import io.netty.channel.Channel;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;

/**
 * Pen's {@code -x} and {@code pending_max}: while the node holds {@code conn_max} client connections, or
 * {@code pending_max} upstream connects are in progress, the listener stops accepting, so further clients wait in
 * the kernel's listen backlog ({@code -q}) instead of being refused. The listener's auto-read is switched on its
 * own event loop, only when a threshold is crossed.
 */
final class AcceptGate {
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicInteger pending = new AtomicInteger();
    private final IntSupplier connMax;
    private final IntSupplier pendingMax;
    private volatile Channel listener;

    AcceptGate(IntSupplier connMax, IntSupplier pendingMax) {
        this.connMax = connMax;
        this.pendingMax = pendingMax;
    }

    void bind(Channel listener) {
        this.listener = listener;
    }

    /** Called on the listener's loop for each accepted client; pauses accepting at the limit. */
    void opened() {
        if (open.incrementAndGet() >= connMax.getAsInt()) {
            reevaluate();
        }
    }

    void closed() {
        if (open.decrementAndGet() == connMax.getAsInt() - 1) {
            schedule();
        }
    }

    void connectStarted() {
        if (pending.incrementAndGet() >= pendingMax.getAsInt()) {
            schedule();
        }
    }

    void connectFinished() {
        if (pending.decrementAndGet() == pendingMax.getAsInt() - 1) {
            schedule();
        }
    }

    int open() {
        return open.get();
    }

    /** Limits changed at run time ({@code conn_max}, {@code pending_max}). */
    void limitsChanged() {
        schedule();
    }

    private void schedule() {
        Channel l = listener;
        if (l != null) {
            l.eventLoop().execute(this::reevaluate);
        }
    }

    /** Sets the listener's auto-read from the current counts; idempotent, so racing calls converge. */
    private void reevaluate() {
        Channel l = listener;
        if (l == null) {
            return;
        }
        boolean accept = open.get() < connMax.getAsInt() && pending.get() < pendingMax.getAsInt();
        if (l.config().isAutoRead() != accept) {
            l.config().setAutoRead(accept);
            if (accept) {
                l.read();
            }
        }
    }
}
