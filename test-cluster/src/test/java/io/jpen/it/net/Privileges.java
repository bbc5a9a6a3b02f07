package io.jpen.it.net;

import org.opentest4j.TestAbortedException;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Whether this process may build test networks: creating a namespace needs CAP_SYS_ADMIN (ip netns mounts it),
 * bridges, veth pairs, addresses and nft rules need CAP_NET_ADMIN; and whether the tools are installed.
 *
 * <p>Where something is missing the namespace tests refuse to run with a message saying what and how to fix it. They
 * are skipped (aborted) by default, so a developer without root can still run {@code mvn verify}; with
 * {@code JPEN_NETNS_REQUIRED=1} in the environment (CI sets it in {@code .ci/run}) or {@code -Djpen.netns.required=true}
 * they fail instead, so CI can never pass by skipping them.
 */
public final class Privileges {
    private static final int CAP_NET_ADMIN = 12;
    private static final int CAP_SYS_ADMIN = 21;
    /** Programs the harness and the nodes' vip-scripts call. */
    private static final List<String> TOOLS = List.of("ip", "nft", "tcpdump", "arping");

    private Privileges() {
    }

    /** What stops the namespace tests here, or null when nothing does. */
    public static String missing() {
        List<String> problems = new ArrayList<>();
        BigInteger caps = effectiveCapabilities();
        if (caps == null) {
            problems.add("cannot read the capabilities of this process (/proc/self/status)");
        } else {
            if (!caps.testBit(CAP_NET_ADMIN)) {
                problems.add("CAP_NET_ADMIN is missing");
            }
            if (!caps.testBit(CAP_SYS_ADMIN)) {
                problems.add("CAP_SYS_ADMIN is missing (ip netns add mounts the namespace)");
            }
        }
        for (String t : TOOLS) {
            if (!Cmd.onPath(t)) {
                problems.add("'" + t + "' is not installed");
            }
        }
        if (problems.isEmpty()) {
            return null;
        }
        return "the failover tests build network namespaces and need root with CAP_NET_ADMIN and CAP_SYS_ADMIN and the "
                + "tools " + TOOLS + " (apt-get install iproute2 nftables tcpdump iputils-arping): " + String.join("; ", problems)
                + ". Run them as root (CI does: .ci/run), e.g. sudo mvn -B verify -pl test-cluster.";
    }

    /** Whether a refusal must fail the build instead of skipping the tests. */
    public static boolean required() {
        return "1".equals(System.getenv("JPEN_NETNS_REQUIRED")) || Boolean.getBoolean("jpen.netns.required");
    }

    /**
     * Returns when the namespace tests can run; otherwise prints the reason loudly and aborts the test (skip), or
     * fails it when {@link #required()}.
     */
    public static void requireNetworkAdmin() {
        String why = missing();
        if (why == null) {
            return;
        }
        String banner = "\n*** jpen failover tests NOT RUN: " + why + "\n";
        System.err.println(banner);
        if (required()) {
            throw new IllegalStateException(why);
        }
        throw new TestAbortedException(why);
    }

    private static BigInteger effectiveCapabilities() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("CapEff:")) {
                    return new BigInteger(line.substring(7).trim(), 16);
                }
            }
        } catch (IOException | NumberFormatException e) {
            return null;
        }
        return null;
    }
}
