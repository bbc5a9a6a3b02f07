package io.jpen.cluster.leader.group;

/**
 * The answer to a {@link Probe}.
 *
 * @param sameView the asker is in the answerer's view, and that view has the asker's view id
 */
public record ProbeAck(long nonce, boolean sameView) {
}
