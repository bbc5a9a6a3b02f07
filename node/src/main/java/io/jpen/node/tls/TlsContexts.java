package io.jpen.node.tls;

import io.jpen.node.config.ConfigException;
import io.netty.handler.ssl.ClientAuth;
import io.netty.util.DomainWildcardMappingBuilder;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The listener's TLS state: builds a {@link TlsSnapshot} from a {@link TlsConfig} (reading and checking every file)
 * and publishes it in one atomic reference that the accept path reads. Loading happens on the caller's thread (start,
 * SIGHUP, settings change: never an event loop). A failed reload keeps the snapshot in force and logs why.
 *
 * <p>Provider: BoringSSL (netty-tcnative) when it loads, else the JDK's; {@code -Djpen.tls.provider=jdk} forces the
 * JDK's. Both refuse client-initiated renegotiation (Pen's {@code ssl_client_renegotiation_interval} is moot).
 */
public final class TlsContexts {
    private static final Logger log = LoggerFactory.getLogger("jpen.tls");

    static {
        // read once by the JDK's TLS when it first initialises; an operator's own -D wins
        if (System.getProperty("jdk.tls.rejectClientInitiatedRenegotiation") == null) {
            System.setProperty("jdk.tls.rejectClientInitiatedRenegotiation", "true");
        }
    }

    private final AtomicReference<TlsSnapshot> current = new AtomicReference<>();
    private final AtomicLong failedReloads = new AtomicLong();

    /** The material for new connections, or null when TLS is off. One volatile read; any thread. */
    public TlsSnapshot current() {
        return current.get();
    }

    /** Reloads that failed and left the previous material in force (tests, monitoring). */
    public long failedReloads() {
        return failedReloads.get();
    }

    /**
     * At start: loads {@code config} or fails with a message naming the file.
     *
     * @throws ConfigException for a missing, unreadable or mismatched file
     */
    public void start(TlsConfig config) {
        current.set(config.enabled() ? load(config) : null);
        describe(current.get());
    }

    /**
     * Applies {@code config} if it differs from the one in force, or always with {@code force} (SIGHUP: the files may
     * have been renewed under the same names). On failure the previous material stays.
     *
     * @return true if the new material (or TLS off) is in force
     */
    public synchronized boolean reload(TlsConfig config, boolean force) {
        TlsSnapshot old = current.get();
        TlsConfig oldConfig = old == null ? TlsConfig.NONE : old.config();
        if (!force && Objects.equals(oldConfig, config) && (old != null) == config.enabled()) {
            return true;
        }
        if (!config.enabled()) {
            current.set(null);
            if (old != null) {
                log.info("TLS termination off");
            }
            return true;
        }
        try {
            TlsSnapshot next = load(config);
            current.set(next);
            describe(next);
            return true;
        } catch (ConfigException e) {
            failedReloads.incrementAndGet();
            log.error("TLS reload failed, {}: {}", old == null ? "TLS stays off" : "the previous certificate stays in force",
                    e.getMessage());
            return false;
        }
    }

    private static void describe(TlsSnapshot s) {
        if (s != null) {
            log.info("TLS termination: certificate {} ({}{}, provider {})", s.config().certificate(),
                    String.join("+", s.config().protocols()), s.config().verifyClient() ? ", client certificate required" : "",
                    s.provider());
        }
    }

    /** Reads every file and builds the contexts. Blocking. */
    static TlsSnapshot load(TlsConfig c) {
        if (c.protocols().length == 0) {
            throw ConfigException.of("ssl_option", "no TLS version left (ssl_protocol " + c.protocol() + " with " + c.options() + ")");
        }
        SslProvider provider = provider();
        List<X509Certificate> trust = new ArrayList<>();
        if (c.caFile() != null) {
            trust.addAll(PemFiles.certificates(c.caFile(), "CA file (-G)"));
        }
        if (c.caDir() != null) {
            trust.addAll(caDirectory(c.caDir()));
        }
        SslContext main = context(c, provider, c.certificate(), c.keyOrCertificate(), trust);
        DomainWildcardMappingBuilder<SslContext> sni = null;
        if (c.sniPath() != null) {
            sni = new DomainWildcardMappingBuilder<>(main);
            int n = 0;
            for (Path crt : list(c.sniPath(), "*.crt")) {
                String file = crt.getFileName().toString();
                String name = file.substring(0, file.length() - ".crt".length());
                Path key = crt.resolveSibling(name + ".key");
                if (!Files.isRegularFile(key)) {
                    throw ConfigException.of(key.toString(), "ssl_sni_path: no key for " + crt + " (expected: " + name + ".key beside it)");
                }
                Path ca = crt.resolveSibling(name + ".ca");
                List<X509Certificate> nameTrust = Files.isRegularFile(ca)
                        ? PemFiles.certificates(ca.toString(), "SNI CA file") : trust;
                sni.add(name, context(c, provider, crt.toString(), key.toString(), nameTrust));
                n++;
            }
            log.info("TLS SNI: {} server name(s) from {}", n, c.sniPath());
        }
        return new TlsSnapshot(c, main, sni == null ? null : sni.build(), provider.name().toLowerCase(java.util.Locale.ROOT));
    }

    private static SslContext context(TlsConfig c, SslProvider provider, String certFile, String keyFile,
                                      List<X509Certificate> trust) {
        List<X509Certificate> chain = PemFiles.certificates(certFile, "certificate");
        PrivateKey key = PemFiles.privateKey(keyFile);
        PemFiles.checkPair(key, chain.get(0), certFile, keyFile);
        Date notAfter = chain.get(0).getNotAfter();
        if (notAfter.before(new Date())) {
            log.warn("TLS certificate {} expired on {}", certFile, notAfter);
        }
        SslContextBuilder b = SslContextBuilder.forServer(key, chain.toArray(new X509Certificate[0]))
                .sslProvider(provider)
                .protocols(c.protocols());
        if (!c.ciphers().isEmpty()) {
            b.ciphers(c.ciphers(), SupportedCipherSuiteFilter.INSTANCE);
        }
        if (c.verifyClient()) {
            b.clientAuth(ClientAuth.REQUIRE);
            if (!trust.isEmpty()) {
                b.trustManager(trust.toArray(new X509Certificate[0]));
            } // else the JDK's default trust store, as Pen falls back to OpenSSL's default paths
        }
        SslContext ctx;
        try {
            ctx = b.build();
        } catch (Exception e) {
            throw ConfigException.of(certFile, "cannot build a TLS context (" + e.getMessage() + ")");
        }
        if (!c.ciphers().isEmpty() && ctx.cipherSuites().isEmpty()) {
            throw ConfigException.of(String.join(":", c.ciphers()), "ssl_ciphers: none of these cipher suites is supported");
        }
        return ctx;
    }

    private static List<X509Certificate> caDirectory(String dir) {
        List<X509Certificate> out = new ArrayList<>();
        for (Path p : list(dir, "*")) {
            if (!Files.isRegularFile(p)) {
                continue;
            }
            try {
                out.addAll(PemFiles.certificates(p.toString(), "CA directory entry"));
            } catch (ConfigException e) {
                log.debug("ssl_ca_dir: skipping {}: {}", p, e.getMessage()); // hashed dirs hold CRLs and links too
            }
        }
        if (out.isEmpty()) {
            throw ConfigException.of(dir, "CA directory (-A): no PEM certificate in it");
        }
        return out;
    }

    private static List<Path> list(String dir, String glob) {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(Path.of(dir), glob)) {
            ds.forEach(out::add);
        } catch (IOException e) {
            throw ConfigException.of(dir, "cannot read directory (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")");
        }
        out.sort(null);
        return out;
    }

    private static SslProvider provider() {
        if (!"jdk".equalsIgnoreCase(System.getProperty("jpen.tls.provider")) && OpenSsl.isAvailable()) {
            return SslProvider.OPENSSL;
        }
        return SslProvider.JDK;
    }
}
