package io.jpen.cluster.leader.group;

import org.jgroups.util.UUID;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WireTest {

    @Test
    void aStatusSurvivesTheRoundTrip() throws IOException {
        MemberStatus s = new MemberStatus("n1", false, true, true, true, 5000,
                List.of(new MemberStatus.VipClaim("VI_1", "10.78.0.100/24", 150, true, 1234567L, false),
                        new MemberStatus.VipClaim("10.78.0.101", "10.78.0.101/32", 100, false, 0L, true)));
        byte[] b = Wire.encode(s);
        assertThat(Wire.decode(b, 0, b.length)).isEqualTo(s);
    }

    @Test
    void anAssignmentSurvivesTheRoundTrip() throws IOException {
        Assignment a = new Assignment(7, 3, 6, Map.of("VI_1", UUID.randomUUID(), "VI_2", UUID.randomUUID()),
                Set.of("VI_3"));
        byte[] b = Wire.encode(a);
        assertThat(Wire.decode(b, 0, b.length)).isEqualTo(a);
    }

    @Test
    void aLeavingMembersDrainTimeAndAHandoverSurviveTheRoundTrip() throws IOException {
        MemberStatus s = new MemberStatus("n1", false, true, true, false, 0,
                List.of(new MemberStatus.VipClaim("VI_1", "10.78.0.100/24", 150, true, 1234567L, false)), 30_000, true);
        byte[] b = Wire.encode(s);
        assertThat(Wire.decode(b, 0, b.length)).isEqualTo(s);
        UUID old = UUID.randomUUID();
        Assignment a = new Assignment(7, 3, 6, Map.of("VI_1", UUID.randomUUID()), Set.of(), Map.of("VI_1", old));
        byte[] c = Wire.encode(a);
        assertThat(Wire.decode(c, 0, c.length)).isEqualTo(a);
    }

    @Test
    void aNodeThatIsNotReadySaysWhichChecksAreMissing() throws IOException {
        MemberStatus s = new MemberStatus("n1", false, true, false, false, 0,
                List.of(new MemberStatus.VipClaim("VI_1", "10.78.0.100/24", 100, false, 0L, false)), 0, false,
                List.of("shared state loaded"));
        byte[] b = Wire.encode(s);
        MemberStatus back = (MemberStatus) Wire.decode(b, 0, b.length);
        assertThat(back).isEqualTo(s);
        assertThat(back.ready()).isFalse();
    }

    @Test
    void messagesOfThePreviousReleaseWithoutTheAddedFieldsStillRead() throws IOException {
        // the added fields come last: a message of the previous release is the same bytes without them
        MemberStatus s = new MemberStatus("n1", false, true, true, false, 0,
                List.of(new MemberStatus.VipClaim("VI_1", "10.78.0.100/24", 150, true, 1234567L, false)), 30_000, true);
        byte[] b = Wire.encode(s);
        // drain time, stopping flag, readiness (an empty list)
        assertThat(Wire.decode(b, 0, b.length - Long.BYTES - 1 - Short.BYTES)).isEqualTo(new MemberStatus("n1",
                false, true, true, false, 0, s.vips()));
        // the release before readiness was reported
        assertThat(Wire.decode(b, 0, b.length - Short.BYTES)).isEqualTo(s);
        Assignment a = new Assignment(7, 3, 6, Map.of("VI_1", UUID.randomUUID()), Set.of("VI_2"));
        byte[] c = Wire.encode(a);
        assertThat(Wire.decode(c, 0, c.length - Short.BYTES)).isEqualTo(a);
    }

    @Test
    void anUnknownVersionIsRejected() {
        byte[] b = Wire.encode(new Assignment(1, 1, 0, Map.of(), Set.of()));
        b[1] = 99;
        assertThatThrownBy(() -> Wire.decode(b, 0, b.length)).hasMessageContaining("version 99");
    }
}
