package io.jpen.cluster.leader.config;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;

/**
 * What the JGroups channel is built from (see {@link LeaderKey} for each value's meaning and default). Immutable.
 *
 * @param members every node's and witness's address (TCPPING's list, each at {@link #port}); at least {@link #bind}
 */
public record GroupOptions(String clusterName, InetAddress bind, int port, List<InetAddress> members, boolean udp,
                           InetAddress mcastAddr, int mcastPort, int mcastTtl, Duration fdTimeout, Duration fdInterval,
                           Duration verifyTimeout, Duration mergeMin, Duration mergeMax, Duration joinTimeout,
                           Duration connectTimeout) {

    public GroupOptions {
        members = List.copyOf(members);
    }

    /** How long after its last message a silent member is excluded, at the latest (FD_ALL3 + VERIFY_SUSPECT). */
    public Duration exclusionTime() {
        return fdTimeout.plus(fdInterval).plus(verifyTimeout);
    }

    /**
     * A pause of this node longer than this may have got it excluded: the others suspect it {@code fd_timeout} after
     * its last heartbeat (sent up to {@code fd_interval} before the pause) and exclude it {@code verify_timeout}
     * later.
     */
    public Duration stallThreshold() {
        return fdTimeout.plus(verifyTimeout).minus(fdInterval);
    }

    /** The same options on another port and member list (tests that run several members on one host). */
    public GroupOptions withBind(InetAddress bind, int port, List<InetAddress> members) {
        return new GroupOptions(clusterName, bind, port, members, udp, mcastAddr, mcastPort, mcastTtl, fdTimeout,
                fdInterval, verifyTimeout, mergeMin, mergeMax, joinTimeout, connectTimeout);
    }
}
