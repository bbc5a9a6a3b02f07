package io.jpen.cluster.state;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.spi.merge.MergingValue;
import com.hazelcast.spi.merge.SplitBrainMergePolicy;

/**
 * How the halves of a split cluster reconcile an entry both of them hold: the value with the newer stamp wins
 * ({@link SharedValues#stampOf}), the surviving cluster's value on a tie or when neither has a stamp.
 *
 * <p>Why: during a split each half serves its own clients. For the client table the stamp is the last time the
 * client was seen, so the half that served the client last keeps it on the server its session now lives on
 * (Hazelcast's default, PutIfAbsent, would keep whatever the larger half had, possibly days old). For the blacklist
 * it keeps the later blacklisting; for the settings the later change. Entries held by one half only are kept as they
 * are. The stamps are wall clocks: nodes are expected to run NTP, and a skew only matters for entries both halves
 * changed within it.
 *
 * <p>Stateless; Hazelcast creates it from its class name on every member and sends it with merge operations.
 */
public final class NewestStampMergePolicy implements SplitBrainMergePolicy<Object, MergingValue<Object>, Object> {

    @Override
    public Object merge(MergingValue<Object> merging, MergingValue<Object> existing) {
        if (existing == null) {
            return merging.getRawValue();
        }
        long m = SharedValues.stampOf(merging.getDeserializedValue());
        long e = SharedValues.stampOf(existing.getDeserializedValue());
        return m > e ? merging.getRawValue() : existing.getRawValue();
    }

    @Override
    public void writeData(ObjectDataOutput out) {
        // no state
    }

    @Override
    public void readData(ObjectDataInput in) {
        // no state
    }
}
