package io.jpen.cluster.leader.group;

import org.jgroups.Address;
import org.jgroups.Event;
import org.jgroups.conf.ClassConfigurator;
import org.jgroups.protocols.FD_SOCK2;
import org.jgroups.protocols.VERIFY_SUSPECT;
import org.jgroups.stack.IpAddress;
import org.jgroups.stack.Protocol;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * FD_SOCK2 that reports a killed process sooner, in two ways, both measured on the trio's kill runs (a loaded
 * 2-core machine): the exclusion came ~170 ms after the dead process's sockets closed, of which ~50 ms went to
 * connecting to the next ring member and 50 ms to {@code VERIFY_SUSPECT}.
 * <ol>
 *   <li><b>Suspect first, reconnect after.</b> When the ring connection to its neighbour closes, FD_SOCK2 connects
 *       to the member after it and only then broadcasts the suspicion; here the suspicion goes out at once.</li>
 *   <li><b>Proof instead of waiting.</b> Every suspicion this member raises or hears of is checked by connecting
 *       to the suspect's failure-detection ports (its own before it is broadcast): when the suspect's host refuses
 *       every one, no process listens there, so the suspect cannot answer {@code VERIFY_SUSPECT}'s "are you dead?"
 *       either, and the suspicion goes straight to the protocols above it. Anything else (a connection accepted, no
 *       answer within {@code jgroups_verify_timeout}: a frozen process, a cut link, a dead host) proves nothing and
 *       leaves the suspicion to {@code VERIFY_SUSPECT} as before; a live member is never excluded by this path.</li>
 * </ol>
 * The checks run on a thread of their own, never on a JGroups thread (a connect may take the whole timeout).
 */
public final class PromptCrashDetection extends FD_SOCK2 {
    private static final Logger LOG = // not FD_SOCK2's "log": ours goes to the node's log at INFO
            LoggerFactory.getLogger("jpen.leader.crash");
    /** a suspicion repeated within this window (FD_SOCK2 re-broadcasts them) is not checked again */
    private static final long RECHECK_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final int proofTimeoutMillis;
    private final Map<Address, Long> checked = new ConcurrentHashMap<>();
    private volatile ThreadPoolExecutor prover;

    /**
     * A refusal comes back within one round trip; a check that waits longer only holds up the next one (the
     * suspicion is being verified meanwhile anyway).
     */
    private static final int MAX_PROOF_MILLIS = 100;

    /** @param verifyTimeoutMillis jgroups_verify_timeout: a connect of a check waits that long, at most 100 ms */
    public PromptCrashDetection(int verifyTimeoutMillis) {
        this.proofTimeoutMillis = Math.max(1, Math.min(verifyTimeoutMillis, MAX_PROOF_MILLIS));
        // FD_SOCK2's protocol id: its headers are found by id, and on the wire this is FD_SOCK2 (a member running
        // plain FD_SOCK2 understands it)
        setId(ClassConfigurator.getProtocolId(FD_SOCK2.class));
    }

    @Override
    public void start() throws Exception {
        ThreadPoolExecutor p = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(16),
                r -> {
                    Thread t = new Thread(r, "jpen-crash-proof");
                    t.setDaemon(true);
                    return t;
                }, new ThreadPoolExecutor.DiscardPolicy());
        prover = p;
        super.start();
        p.execute(this::rehearse);
    }

    /**
     * A check of a port that refuses, at start, with nothing suspected: the first real check then runs code that is
     * loaded and linked already. On the loaded trio the first exclusion after a start took ~70 ms from the dead
     * process's closed sockets to the proof, the later ones ~20.
     */
    private void rehearse() {
        try (ServerSocket closed = new ServerSocket()) {
            closed.bind(new InetSocketAddress(bind_addr != null ? bind_addr : InetAddress.getLoopbackAddress(), 0));
            IpAddress port = new IpAddress(closed.getInetAddress(), closed.getLocalPort());
            closed.close();
            if (!refused(port)) {
                LOG.debug("{}: the rehearsal's closed port {} did not refuse", local_addr, port);
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("{}: rehearsal of the crash check failed", local_addr, e);
        }
    }

    @Override
    public void stop() {
        super.stop();
        ThreadPoolExecutor p = prover;
        if (p != null) {
            p.shutdownNow();
        }
    }

    @Override
    protected void connectToNextPingDest(Address crashed) {
        if (crashed != null) {
            ThreadPoolExecutor p = prover;
            if (p != null) {
                // before the broadcast: this member's own check otherwise waits for its copy of the message to come
                // back up the stack (the trio's first failover: 87 ms from the closed sockets to the proof)
                check(p, List.of(crashed));
            }
            broadcastSuspectMessage(new ArrayList<>(List.of(crashed)));
        }
        super.connectToNextPingDest(null);
    }

    @Override
    protected void suspect(Collection<Address> suspects) {
        List<Address> toCheck = suspects == null ? List.of() : List.copyOf(suspects);
        ThreadPoolExecutor p = prover;
        if (p != null) {
            check(p, toCheck); // first: the check runs while FD_SOCK2 handles the suspicion
        }
        super.suspect(suspects);
    }

    private void check(ThreadPoolExecutor p, List<Address> toCheck) {
        long now = System.nanoTime();
        for (Address a : toCheck) {
            if (a.equals(local_addr) || !members.contains(a)) {
                continue;
            }
            Long last = checked.get(a);
            if (last != null && now - last < RECHECK_NANOS) {
                continue;
            }
            checked.put(a, now);
            p.execute(() -> prove(a));
        }
        checked.values().removeIf(t -> now - t > RECHECK_NANOS);
    }

    /** On the prover thread: excludes {@code suspect} at once if its host refuses every failure-detection port. */
    private void prove(Address suspect) {
        List<IpAddress> ports = getPhysicalAddresses(suspect);
        if (ports.isEmpty()) {
            return;
        }
        for (IpAddress port : ports) {
            if (!refused(port)) {
                return;
            }
        }
        if (!members.contains(suspect)) {
            return; // already excluded
        }
        Protocol verify = getProtocolStack().findProtocol(VERIFY_SUSPECT.class);
        if (verify == null) {
            return; // nothing waits: FD_SOCK2's own event has gone up already
        }
        LOG.info("{}: {} crashed: its host refused its failure-detection port{} {}; excluded without waiting for "
                + "verification", local_addr, suspect, ports.size() > 1 ? "s" : "", ports);
        verify.getUpProtocol().up(new Event(Event.SUSPECT, List.of(suspect)));
    }

    /** True only for a connection refused by the host (RST): no process listens there. */
    private boolean refused(IpAddress port) {
        try (Socket s = new Socket()) {
            if (bind_addr != null) {
                s.bind(new InetSocketAddress(bind_addr, 0)); // from the cluster address, as FD_SOCK2 connects
            }
            s.connect(new InetSocketAddress(port.getIpAddress(), port.getPort()), proofTimeoutMillis);
            return false; // someone listens: alive, or at least not provably dead
        } catch (ConnectException e) {
            String m = e.getMessage();
            return m != null && m.startsWith("Connection refused");
        } catch (IOException | RuntimeException e) {
            return false; // timeout, unreachable: proves nothing
        }
    }
}
