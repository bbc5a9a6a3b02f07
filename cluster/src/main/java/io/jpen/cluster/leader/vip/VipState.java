package io.jpen.cluster.leader.vip;

/** keepalived's states of one VIP on one node, the words notify scripts receive. */
public enum VipState {
    /** This node holds the VIP. */
    MASTER,
    /** Another node holds it, or nobody may (no quorum): this node stands by. */
    BACKUP,
    /** This node cannot hold it (interface down, listener not accepting, check script failing, vip-up failed). */
    FAULT,
    /** Leadership stopped (shutdown). */
    STOP
}
