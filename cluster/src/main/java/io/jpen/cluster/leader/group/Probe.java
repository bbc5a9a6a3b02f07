package io.jpen.cluster.leader.group;

/**
 * "Am I still in your view?", asked by a node that finds it stood still (SIGSTOP, a stall) before it decides whether
 * it must drop its VIPs. Unicast to each member of its view; answered by a {@link ProbeAck} with the same nonce, so
 * that messages sent before the stall and read after it cannot be mistaken for an answer.
 *
 * @param viewId the asker's view id
 */
public record Probe(long nonce, long viewId) {
}
