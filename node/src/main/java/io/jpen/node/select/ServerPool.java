package io.jpen.node.select;

import io.jpen.node.acl.AccessList;
import io.jpen.node.config.ServerId;
import io.jpen.node.config.ServerSpec;
import io.jpen.node.config.Settings;

import java.util.HashMap;
import java.util.Map;

/**
 * What the balancer derives from one {@link Settings} snapshot: server specs and identities in arrays, the slot of
 * each identity, and the algorithm in force. Immutable; rebuilt off the hot path when the settings change.
 */
final class ServerPool {
    final Settings settings;
    final ServerSpec[] specs;
    final ServerId[] ids;
    final Map<ServerId, Integer> slotById;
    final ServerSelector selector;
    final AccessList clientAcl;
    final long blacklistMillis;
    final ServerId emergencyId;
    final ServerId abuseId;

    ServerPool(Settings s, RoundRobinSelector roundRobin) {
        settings = s;
        int n = s.servers.size();
        specs = s.servers.toArray(new ServerSpec[0]);
        ids = new ServerId[n];
        slotById = new HashMap<>(n * 2);
        for (int i = 0; i < n; i++) {
            ids[i] = specs[i].id();
            if (ids[i] != null) {
                slotById.putIfAbsent(ids[i], i);
            }
        }
        selector = chooseSelector(s, roundRobin);
        clientAcl = s.acl(s.clientAcl);
        blacklistMillis = s.blacklistSeconds * 1000L;
        emergencyId = s.emergency == null ? null : s.emergency.id();
        abuseId = s.abuse == null ? null : s.abuse.id();
    }

    /** Pen's precedence: prio, then weight, then hash, then round robin. */
    static ServerSelector chooseSelector(Settings s, RoundRobinSelector roundRobin) {
        if (s.prio) {
            return PrioSelector.INSTANCE;
        }
        if (s.weight) {
            return WeightSelector.INSTANCE;
        }
        if (s.hash) {
            return s.roundrobin ? HashSelector.ADDRESS_AND_PORT : HashSelector.ADDRESS;
        }
        return roundRobin;
    }

    int slotOf(ServerId id) {
        Integer i = slotById.get(id);
        return i == null ? ServerSelector.NO_SERVER : i;
    }
}
