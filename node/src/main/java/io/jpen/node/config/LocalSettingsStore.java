package io.jpen.node.config;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/** The stand-alone {@link SettingsStore}: one atomic reference. */
public final class LocalSettingsStore implements SettingsStore {
    private final AtomicReference<Settings> ref;
    private final List<Consumer<Settings>> listeners = new CopyOnWriteArrayList<>();

    public LocalSettingsStore(Settings initial) {
        ref = new AtomicReference<>(initial);
    }

    @Override
    public Settings current() {
        return ref.get();
    }

    @Override
    public Settings update(UnaryOperator<Settings> change, String origin) {
        Settings next = ref.updateAndGet(change);
        for (Consumer<Settings> l : listeners) {
            l.accept(next);
        }
        return next;
    }

    @Override
    public void addListener(Consumer<Settings> listener) {
        listeners.add(listener);
    }
}
