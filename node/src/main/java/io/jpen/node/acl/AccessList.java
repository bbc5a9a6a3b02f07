package io.jpen.node.acl;

import java.util.ArrayList;
import java.util.List;

/**
 * An ordered access list with Pen's semantics: the first matching rule decides; if none matches, the answer is
 * the opposite of the last rule's action; an empty list permits everyone. Immutable.
 */
public final class AccessList {
    public static final AccessList EMPTY = new AccessList(List.of());

    private final AclEntry[] entries;

    public AccessList(List<AclEntry> entries) {
        this.entries = entries.toArray(new AclEntry[0]);
    }

    public boolean isEmpty() {
        return entries.length == 0;
    }

    public List<AclEntry> entries() {
        return List.of(entries);
    }

    public AccessList with(AclEntry e) {
        List<AclEntry> l = new ArrayList<>(List.of(entries));
        l.add(e);
        return new AccessList(l);
    }

    /** @param client 4 or 16 raw address bytes; null (a Unix-socket client) is permitted only by an empty list */
    public boolean permits(byte[] client) {
        if (entries.length == 0) {
            return true;
        }
        if (client != null) {
            for (AclEntry e : entries) {
                if (e.matches(client)) {
                    return e.permit();
                }
            }
        }
        return !entries[entries.length - 1].permit();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AccessList a && List.of(a.entries).equals(List.of(entries));
    }

    @Override
    public int hashCode() {
        return List.of(entries).hashCode();
    }
}
