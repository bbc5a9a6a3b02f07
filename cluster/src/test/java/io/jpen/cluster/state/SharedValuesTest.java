package io.jpen.cluster.state;

import com.hazelcast.spi.merge.MergingValue;
import io.jpen.cluster.state.SharedValues.ClientEntry;
import io.jpen.cluster.state.SharedValues.HealthEntry;
import io.jpen.cluster.state.SharedValues.SettingsEntry;
import org.junit.jupiter.api.Test;

import java.util.AbstractMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class SharedValuesTest {

    @Test
    void valuesSurviveTheirTextForm() {
        ClientEntry c = new ClientEntry(1234, "127.0.0.21:9000", "node1@127.0.0.11:5701");
        assertThat(ClientEntry.decode(c.encode())).isEqualTo(c);
        HealthEntry h = new HealthEntry(99, "node2@127.0.0.12:5701", "connect\trefused\n");
        assertThat(HealthEntry.decode(h.encode()).reason()).isEqualTo("connect refused ");
        SettingsEntry s = new SettingsEntry(5, "n", 3, "no acl 0\nblacklist 30\n");
        assertThat(SettingsEntry.decode(s.encode())).isEqualTo(s);
        assertThat(ClientEntry.decode("garbage")).isNull();
        assertThat(SharedValues.stampOf(c.encode())).isEqualTo(1234);
        assertThat(SharedValues.stampOf("x\ty")).isEqualTo(Long.MIN_VALUE);
    }

    @Test
    void mergeKeepsTheNewerStampAndTheSurvivingValueOnATie() {
        NewestStampMergePolicy p = new NewestStampMergePolicy();
        String older = new ClientEntry(1000, "127.0.0.21:9000", "a").encode();
        String newer = new ClientEntry(2000, "127.0.0.22:9000", "b").encode();
        assertThat(p.merge(value(newer), value(older))).isEqualTo(newer);
        assertThat(p.merge(value(older), value(newer))).isEqualTo(newer);
        String tie = new ClientEntry(1000, "127.0.0.23:9000", "c").encode();
        assertThat(p.merge(value(tie), value(older))).as("tie: the surviving cluster's").isEqualTo(older);
        assertThat(p.merge(value(older), null)).as("only the merging side has it").isEqualTo(older);
    }

    @Test
    void aRefreshMovesTheLastSeenTimeOnlyForTheSameServer() {
        Map.Entry<String, String> e = new AbstractMap.SimpleEntry<>("127.0.0.5",
                new ClientEntry(1000, "s1", "a").encode());
        new RefreshLastSeen("s1", 2000, "b", 0).process(e);
        assertThat(ClientEntry.decode(e.getValue())).isEqualTo(new ClientEntry(2000, "s1", "b"));
        new RefreshLastSeen("s2", 3000, "c", 0).process(e);
        assertThat(ClientEntry.decode(e.getValue()).server()).as("moved meanwhile: left alone").isEqualTo("s1");
        new RefreshLastSeen("s1", 1500, "c", 0).process(e);
        assertThat(ClientEntry.decode(e.getValue()).lastSeen()).as("never backwards").isEqualTo(2000);
        Map.Entry<String, String> gone = new AbstractMap.SimpleEntry<>("127.0.0.6", null);
        new RefreshLastSeen("s1", 4000, "c", 0).process(gone);
        assertThat(ClientEntry.decode(gone.getValue())).as("evicted meanwhile: written again")
                .isEqualTo(new ClientEntry(4000, "s1", "c"));
    }

    private static MergingValue<Object> value(String v) {
        return new MergingValue<>() {
            @Override
            public Object getDeserializedValue() {
                return v;
            }

            @Override
            public Object getRawValue() {
                return v;
            }
        };
    }
}
