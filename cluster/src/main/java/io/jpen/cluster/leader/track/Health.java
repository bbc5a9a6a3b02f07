package io.jpen.cluster.leader.track;

import java.util.ArrayList;
import java.util.List;

/**
 * What tracking says about this node right now. Immutable.
 *
 * @param downInterfaces VIP interfaces that are down (track_interface)
 * @param listenerOk     the node's listener accepts
 * @param checkOk        the check script passes, after rise/fall (true when there is none)
 */
public record Health(List<String> downInterfaces, boolean listenerOk, boolean checkOk) {

    public static final Health OK = new Health(List.of(), true, true);

    public Health {
        downInterfaces = List.copyOf(downInterfaces);
    }

    public boolean ok() {
        return downInterfaces.isEmpty() && listenerOk && checkOk;
    }

    /** Healthy but for the listener (which a stopping node closes on purpose). */
    public boolean okButListener() {
        return downInterfaces.isEmpty() && checkOk;
    }

    /** Why this node is in FAULT, e.g. {@code interface eth0 down, listener not accepting}; "healthy" otherwise. */
    public String reason() {
        List<String> r = new ArrayList<>();
        for (String i : downInterfaces) {
            r.add("interface " + i + " down");
        }
        if (!listenerOk) {
            r.add("listener not accepting");
        }
        if (!checkOk) {
            r.add("check script failing");
        }
        return r.isEmpty() ? "healthy" : String.join(", ", r);
    }
}
