package io.jpen.it.net;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Gratuitous ARPs as a client sees them: {@code tcpdump -l -n -e arp} on the client host's {@code eth0}, each packet
 * stamped with {@link System#nanoTime()} on arrival. A gratuitous ARP is a request whose sender and target address are
 * the same VIP ({@code arping -U} of either flavour), or a broadcast reply for a VIP ({@code arping -A}). The sender's
 * MAC tells which node sent it.
 */
public final class ArpWatch implements AutoCloseable {
    /** One gratuitous ARP for {@code vip} from {@code mac}. */
    public record Garp(long nanos, String mac, String vip) {
    }

    private static final Pattern REQUEST = Pattern.compile(
            "^\\S+ ([0-9a-f:]{17}) > ([0-9a-f:]{17}).*Request who-has (\\S+) .*tell (\\S+),");
    private static final Pattern REPLY = Pattern.compile(
            "^\\S+ ([0-9a-f:]{17}) > ff:ff:ff:ff:ff:ff.*Reply (\\S+) is-at");

    private final Set<String> vips;
    private final Child tcpdump;
    private final java.nio.file.Path capture;
    private final List<Garp> seen = new ArrayList<>();

    public ArpWatch(Host client, Set<String> vips, java.nio.file.Path logDir) throws IOException, InterruptedException {
        this.vips = Set.copyOf(vips);
        List<String> cmd = new ArrayList<>(client.prefix());
        cmd.addAll(List.of("tcpdump", "-l", "-n", "-e", "--immediate-mode", "-i", "eth0", "arp"));
        tcpdump = Child.piped("tcpdump-" + client.name(), cmd, logDir.resolve(client.name() + "-tcpdump.log"));
        capture = logDir.resolve(client.name() + "-arp.txt");
        Thread t = new Thread(this::follow, "jpt-arpwatch");
        t.setDaemon(true);
        t.start();
        tcpdump.awaitOutput("listening on", Duration.ofSeconds(10));
    }

    private void follow() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(tcpdump.process().getInputStream(),
                StandardCharsets.US_ASCII));
             java.io.Writer out = java.nio.file.Files.newBufferedWriter(capture)) {
            String line;
            while ((line = r.readLine()) != null) {
                long now = System.nanoTime();
                out.write(line + "\n"); // tcpdump's own wall-clock stamps, to read next to the nodes' logs
                out.flush();
                Matcher q = REQUEST.matcher(line);
                if (q.find() && q.group(3).equals(q.group(4)) && vips.contains(q.group(3))) {
                    add(new Garp(now, q.group(1), q.group(3)));
                    continue;
                }
                Matcher p = REPLY.matcher(line);
                if (p.find() && vips.contains(p.group(2))) {
                    add(new Garp(now, p.group(1), p.group(2)));
                }
            }
        } catch (IOException e) {
            // capture stopped
        }
    }

    private synchronized void add(Garp g) {
        seen.add(g);
        notifyAll();
    }

    /** Every gratuitous ARP seen so far. */
    public synchronized List<Garp> all() {
        return List.copyOf(seen);
    }

    /** Gratuitous ARPs for {@code vip} seen at or after {@code fromNanos}. */
    public synchronized List<Garp> since(String vip, long fromNanos) {
        return seen.stream().filter(g -> g.vip.equals(vip) && g.nanos >= fromNanos).toList();
    }

    /** Waits (bounded) for a gratuitous ARP for {@code vip} from {@code mac} at or after {@code fromNanos}. */
    public synchronized Garp await(String vip, String mac, long fromNanos, Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (true) {
            for (Garp g : seen) {
                if (g.vip.equals(vip) && g.mac.equals(mac) && g.nanos >= fromNanos) {
                    return g;
                }
            }
            long left = (end - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                return null;
            }
            wait(Math.min(left, 50));
        }
    }

    @Override
    public void close() {
        tcpdump.close();
    }
}
