package io.jpen.cluster.leader;

import io.jpen.cluster.leader.vip.TransitionLog;

import java.util.ArrayList;
import java.util.List;

/**
 * The text of the visibility commands, shared by a node's control port and a witness's:
 * <pre>
 *   vip [state]        this node's state per VIP (MASTER/BACKUP/FAULT/STOP), health, fencing
 *   vip view           the JGroups view, coordinator, quorum, each member's role
 *   vip holders        per VIP: who holds it, who the last decision names, the epoch
 *   vip transitions    the last transitions of this node, with times
 * </pre>
 */
public final class LeaderCommands {
    /** What {@code vip help} and an unknown sub-command answer. */
    public static final String USAGE = "usage: vip [state|view|holders|transitions]";

    private LeaderCommands() {
    }

    /** The reply lines of {@code vip SUB}. */
    public static List<String> vip(Snapshot s, String sub) {
        return switch (sub == null ? "state" : sub) {
            case "state" -> state(s);
            case "view" -> view(s);
            case "holders" -> holders(s);
            case "transitions" -> transitions(s);
            default -> List.of(USAGE);
        };
    }

    static List<String> state(Snapshot s) {
        List<String> l = new ArrayList<>();
        l.add("node " + s.node() + (s.witness() ? " witness" : "") + (s.leaving() ? " leaving" : ""));
        for (Snapshot.Vip v : s.vips()) {
            if (!v.where().isEmpty()) {
                l.add(v.name() + " " + v.state() + " priority " + v.priority() + " " + v.where()
                        + (v.handover().isEmpty() ? "" : ", " + v.handover()));
            }
        }
        l.add("health " + s.health());
        l.add("fence " + (s.fence().isEmpty() ? "none" : s.fence()));
        return l;
    }

    static List<String> view(Snapshot s) {
        List<String> l = new ArrayList<>();
        l.add("view " + s.view());
        l.add("coordinator " + s.coordinator());
        l.add(s.quorum() == 0 ? "quorum off" : "quorum " + s.quorum() + ": "
                + (s.viewSize() >= s.quorum() ? "met" : "NOT met") + ", " + (s.quorumHeard() ? "heard" : "NOT heard"));
        for (Snapshot.Member m : s.members()) {
            l.add("member " + m.name() + " " + m.role() + (m.coordinator() ? " coordinator" : ""));
        }
        return l;
    }

    static List<String> holders(Snapshot s) {
        List<String> l = new ArrayList<>();
        for (Snapshot.Vip v : s.vips()) {
            l.add(v.name() + " holder " + (v.holders().isEmpty() ? "-" : String.join(",", v.holders()))
                    + " assigned " + v.assigned() + " epoch " + s.epoch());
        }
        if (l.isEmpty()) {
            l.add("no VIP known");
        }
        return l;
    }

    static List<String> transitions(Snapshot s) {
        List<String> l = new ArrayList<>();
        for (TransitionLog.Entry e : s.transitions()) {
            l.add(e.toString());
        }
        return l;
    }
}
