package io.jpen.cluster.state;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.ExtendedMapEntry;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.DataSerializable;
import io.jpen.cluster.state.SharedValues.ClientEntry;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A returning client was seen again: moves its shared last-seen time forward, on the partition that owns the entry.
 *
 * <p>Why an entry processor and not a plain write: the node that saw the client only knows the server it remembered.
 * If another node moved the client meanwhile (a failover there), a plain write would move it back; this one leaves
 * an entry for another server alone. An entry that is gone (evicted from the shared store, or expired there while
 * this node still remembers the client) is written again: the client is active.
 *
 * <p>Runs on the primary and, as its own backup processor, identically on the backups. Sent as
 * {@link DataSerializable}: no Java serialization.
 */
public final class RefreshLastSeen implements EntryProcessor<String, String, Void>, DataSerializable {
    private static final long serialVersionUID = 1L;

    private String server;
    private long lastSeen;
    private String origin;
    private long ttlMillis;

    /** For deserialization. */
    public RefreshLastSeen() {
    }

    RefreshLastSeen(String server, long lastSeen, String origin, long ttlMillis) {
        this.server = server;
        this.lastSeen = lastSeen;
        this.origin = origin;
        this.ttlMillis = ttlMillis;
    }

    @Override
    public Void process(Map.Entry<String, String> entry) {
        ClientEntry current = ClientEntry.decode(entry.getValue());
        if (current == null) {
            write(entry, new ClientEntry(lastSeen, server, origin));
        } else if (current.server().equals(server) && current.lastSeen() < lastSeen) {
            write(entry, new ClientEntry(lastSeen, server, origin)); // the writer, so it skips its own echo
        }
        return null;
    }

    private void write(Map.Entry<String, String> entry, ClientEntry value) {
        if (ttlMillis > 0 && entry instanceof ExtendedMapEntry<String, String> x) {
            x.setValue(value.encode(), ttlMillis, TimeUnit.MILLISECONDS);
        } else {
            entry.setValue(value.encode());
        }
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        out.writeString(server);
        out.writeLong(lastSeen);
        out.writeString(origin);
        out.writeLong(ttlMillis);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        server = in.readString();
        lastSeen = in.readLong();
        origin = in.readString();
        ttlMillis = in.readLong();
    }
}
