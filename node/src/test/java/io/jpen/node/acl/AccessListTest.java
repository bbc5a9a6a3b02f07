package io.jpen.node.acl;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AccessListTest {

    private static byte[] ip(String s) throws Exception {
        return InetAddress.getByName(s).getAddress();
    }

    @Test
    void emptyListPermitsEveryone() throws Exception {
        assertThat(AccessList.EMPTY.permits(ip("10.1.2.3"))).isTrue();
    }

    @Test
    void firstMatchDecides() throws Exception {
        AccessList l = new AccessList(List.of(AclEntry.parse("deny", "127.0.0.7", null),
                AclEntry.parse("permit", "0.0.0.0", "0.0.0.0")));
        assertThat(l.permits(ip("127.0.0.7"))).isFalse();
        assertThat(l.permits(ip("127.0.0.6"))).isTrue();
    }

    @Test
    void noMatchGivesTheOppositeOfTheLastRule() throws Exception {
        AccessList l = new AccessList(List.of(AclEntry.parse("permit", "127.0.0.2", null)));
        assertThat(l.permits(ip("127.0.0.2"))).isTrue();
        assertThat(l.permits(ip("127.0.0.3"))).isFalse();
    }

    @Test
    void masksAndPrefixesMatchNetworks() throws Exception {
        AccessList v4 = new AccessList(List.of(AclEntry.parse("deny", "10.0.0.0", "255.0.0.0")));
        assertThat(v4.permits(ip("10.200.1.1"))).isFalse();
        assertThat(v4.permits(ip("11.0.0.1"))).isTrue();
        AccessList v6 = new AccessList(List.of(AclEntry.parse("permit", "fd00::/8", null)));
        assertThat(v6.permits(ip("fd12::1"))).isTrue();
        assertThat(v6.permits(ip("fe80::1"))).isFalse();
        assertThat(v6.permits(ip("127.0.0.1"))).isFalse();
    }

    @Test
    void bogusAddressesAreRejected() {
        assertThatThrownBy(() -> AclEntry.parse("deny", "300.1.1.1", null)).hasMessageContaining("'300.1.1.1'").hasMessageContaining("bogus");
        assertThatThrownBy(() -> AclEntry.parse("bogus", "1.2.3.4", null)).hasMessageContaining("permit|deny");
    }

    @Test
    void rulesPrintBackAsPenWritesThem() {
        assertThat(AclEntry.parse("deny", "127.0.0.7", null).toCommandArgs()).isEqualTo("deny 127.0.0.7 255.255.255.255");
        assertThat(AclEntry.parse("permit", "::1/128", null).toCommandArgs()).isEqualTo("permit 0:0:0:0:0:0:0:1/128");
    }
}
