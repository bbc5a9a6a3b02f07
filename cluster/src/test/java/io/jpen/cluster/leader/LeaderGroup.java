package io.jpen.cluster.leader;

import io.jpen.cluster.leader.config.LeaderOptions;
import org.jgroups.Address;
import org.jgroups.protocols.DISCARD;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;

/**
 * Several leadership members in this JVM, on 127.0.0.11, .12, ... (one JGroups port per group, 17800-17899; FD_SOCK2
 * +100), each with its own DISCARD above the transport for partitions, and recording fake scripts: every vip-up,
 * vip-down, vip-garp and notify call is appended to one log with its time, node and epoch. A file
 * {@code fail-SCRIPT-NODE} in {@link #dir} makes that script fail on that node. No address is ever touched.
 */
final class LeaderGroup implements AutoCloseable {
    private static final AtomicInteger PORTS = new AtomicInteger(17800);

    /** A JGroups port of its own for one test (17800-17899; FD_SOCK2 uses +100). */
    static int nextPort() {
        int p = PORTS.getAndIncrement();
        if (p > 17899) {
            throw new IllegalStateException("test ports exhausted");
        }
        return p;
    }

    final Path dir;
    final Path log;
    final int port;
    final String cluster;
    private final int size;
    private final Map<String, String> common = new HashMap<>();
    private final Map<String, Member> members = new LinkedHashMap<>();

    /**
     * One member: its service, its fault injector, whether its listener counts as healthy, and its readiness checks
     * that do not pass (empty: ready).
     */
    static final class Member {
        final String name;
        final LeaderService service;
        final DISCARD discard;
        final AtomicBoolean listener;
        final AtomicReference<List<String>> notReady;

        Member(String name, LeaderService service, DISCARD discard, AtomicBoolean listener,
               AtomicReference<List<String>> notReady) {
            this.name = name;
            this.service = service;
            this.discard = discard;
            this.listener = listener;
            this.notReady = notReady;
        }

        Address address() {
            return service.address();
        }

        String state(String vip) {
            return service.snapshot().vips().stream().filter(v -> v.name().equals(vip)).map(Snapshot.Vip::state)
                    .findFirst().orElse("-");
        }
    }

    /**
     * @param size how many members the group is configured for (cluster_members); not all need to run
     */
    LeaderGroup(Path dir, int size) {
        this.dir = dir;
        this.size = size;
        this.log = dir.resolve("scripts.log");
        this.port = nextPort();
        this.cluster = "leadertest" + port;
        writeFakeScripts(dir, log);
        common.put("vip_scripts_dir", dir.toString());
        common.put("vip_notify", dir.resolve("notify") + "");
        common.put("cluster_name", cluster);
        common.put("cluster_members", hosts());
        common.put("jgroups_port", Integer.toString(port));
        common.put("vip_garp_delay", "0");
        // twice the production timings: several JGroups stacks share this JVM and a busy 2-core machine; the
        // multi-process test measures with the defaults
        common.put("jgroups_fd_timeout", "400ms");
        common.put("jgroups_fd_interval", "100ms");
        common.put("jgroups_verify_timeout", "200ms");
        common.put("vip_fence_timeout", "400ms");
    }

    static String host(int i) {
        return "127.0.0." + (11 + i);
    }

    private String hosts() {
        List<String> h = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            h.add(host(i));
        }
        return String.join(",", h);
    }

    /** A setting for every member started after this call. */
    LeaderGroup set(String key, String value) {
        common.put(key, value);
        return this;
    }

    /** Starts member {@code i} (name n{i}, or w{i} for a witness) with extra settings, e.g. vip_priority. */
    Member start(int i, String... keyValues) {
        return start(i, List.of(), keyValues);
    }

    /**
     * Starts member {@code i} whose readiness checks {@code notReady} do not pass yet (empty: ready); change them with
     * {@link Member#notReady}.
     */
    Member start(int i, List<String> notReady, String... keyValues) {
        Map<String, String> o = new HashMap<>(common);
        for (int k = 0; k + 1 < keyValues.length; k += 2) {
            o.put(keyValues[k], keyValues[k + 1]);
        }
        o.put("cluster_bind", host(i));
        boolean witness = Boolean.parseBoolean(o.getOrDefault("vip_witness", "false"));
        if (witness) {
            o.remove("vip_address");
        } else {
            o.putIfAbsent("vip_address", "VI_1=10.78.200.1/32@lo");
        }
        String name = (witness ? "w" : "n") + i;
        DISCARD discard = new DISCARD();
        AtomicBoolean listener = new AtomicBoolean(true);
        AtomicReference<List<String>> ready = new AtomicReference<>(List.copyOf(notReady));
        LeaderService s = new LeaderService(LeaderOptions.parse(o), name, listener::get, List.of(discard), 0,
                ready::get);
        try {
            s.start();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        Member m = new Member(name, s, discard, listener, ready);
        members.put(name, m);
        await().atMost(Duration.ofSeconds(15)).until(() -> m.address() != null && !s.snapshot().view().startsWith("("));
        return m;
    }

    Member member(String name) {
        return members.get(name);
    }

    /** Waits until every running member sees all running members in one view. */
    void awaitView() {
        int n = members.size();
        await().atMost(Duration.ofSeconds(20)).until(() -> members.values().stream()
                .allMatch(m -> m.service.snapshot().members().size() == n));
    }

    /** The running members that are MASTER for {@code vip}. */
    List<String> masters(String vip) {
        return members.values().stream().filter(m -> m.state(vip).equals("MASTER")).map(m -> m.name)
                .collect(Collectors.toList());
    }

    /** Cuts the group in two: members of {@code a} and of {@code b} drop each other's messages. */
    void partition(List<Member> a, List<Member> b) {
        for (Member x : a) {
            for (Member y : b) {
                x.discard.addIgnoreMember(y.address());
                y.discard.addIgnoreMember(x.address());
            }
        }
    }

    void heal() {
        for (Member m : members.values()) {
            m.discard.resetIgnoredMembers();
        }
    }

    /** Stops a member gracefully (it leaves the view at once). */
    void stop(String name) {
        Member m = members.remove(name);
        if (m != null) {
            m.service.close();
        }
    }

    /** The script log lines, oldest first: {@code NANOS NODE SCRIPT ARGS... epoch=E}. */
    List<String> scriptLog() {
        try {
            return Files.exists(log) ? Files.readAllLines(log) : List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The log lines of one node without their time stamps, e.g. {@code vip-up lo 10.78.200.1/32}. */
    List<String> calls(String node) {
        return scriptLog().stream().map(l -> l.split(" ", 3)).filter(p -> p.length == 3 && p[1].equals(node))
                .map(p -> p[2].replaceAll(" epoch=.*", "")).collect(Collectors.toList());
    }

    /** Makes {@code script} fail (status 1) on {@code node}, or work again. */
    void failing(String script, String node, boolean fail) {
        Path f = dir.resolve("fail-" + script + "-" + node);
        try {
            if (fail) {
                Files.writeString(f, "");
            } else {
                Files.deleteIfExists(f);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Adds recording fakes of vip-handover-forward and vip-handover-release: with them, a handover forwards (without
     * them the node behaves as with scripts from before they existed). They also log JPEN_RELEASE_LIFETIME.
     */
    LeaderGroup withHandoverScripts() {
        writeFakes(dir, log, List.of("vip-handover-forward", "vip-handover-release"));
        return this;
    }

    /** Writes the recording fake scripts into {@code dir} (see the class comment). */
    static void writeFakeScripts(Path dir, Path log) {
        writeFakes(dir, log, List.of("vip-up", "vip-down", "vip-garp", "vip-renew", "vip-preflight", "notify"));
    }

    private static void writeFakes(Path dir, Path log, List<String> names) {
        String body = """
                #!/bin/sh
                s=${0##*/}
                if [ "$s" != vip-renew ]; then
                  echo "$(date +%%s%%N) $JPEN_NODE $s $* epoch=$JPEN_EPOCH${JPEN_RELEASE_LIFETIME:+ life=$JPEN_RELEASE_LIFETIME}" >> "%2$s"
                fi
                [ -e "%1$s/fail-$s-$JPEN_NODE" ] && exit 1
                exit 0
                """.formatted(dir, log);
        for (String s : names) {
            Path p = dir.resolve(s);
            try {
                Files.writeString(p, body, StandardCharsets.US_ASCII);
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    @Override
    public void close() {
        for (Member m : new ArrayList<>(members.values())) {
            m.service.close();
        }
        members.clear();
    }
}
