package io.jpen.node.tls;

import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What the operator asked for TLS termination on the listener (Pen's {@code -E -K -G -A -R -L} and {@code ssl_*}
 * commands). Only paths and words: the files are read by {@link TlsContexts}, off the event loops. Immutable; part of
 * the {@link io.jpen.node.config.Settings} snapshot.
 *
 * @param certificate       {@code -E}, {@code ssl_certificate}: PEM certificate chain; null = TLS off
 * @param key               {@code -K}, {@code ssl_key}: PEM private key (PKCS#8 or PKCS#1 RSA); null = in the
 *                          certificate file, as in Pen
 * @param caFile            {@code -G}, {@code ssl_ca_file}: PEM CA certificates that sign client certificates
 * @param caDir             {@code -A}, {@code ssl_ca_dir}: a directory of PEM CA certificates
 * @param verifyClient      {@code -R}, {@code ssl_verify_client}: require a client certificate signed by a CA above
 *                          (or, without any, by the JDK's default trust store)
 * @param protocol          {@code -L}, {@code ssl_protocol}: {@code ssl23} (default: TLS 1.3 and 1.2), {@code tls1.2},
 *                          {@code tls1.3}
 * @param ciphers           {@code ssl_ciphers}: colon-separated cipher suite names (empty = the provider's defaults)
 * @param sniPath           {@code ssl_sni_path}: directory of {@code NAME.crt}, {@code NAME.key} and optional
 *                          {@code NAME.ca} per server name, as Pen reads it; null = no SNI
 * @param options           {@code ssl_option}: Pen's {@code no_tlsv1.2}, {@code no_tlsv1.3},
 *                          {@code cipher_server_preference} (older words are accepted and have no effect)
 */
public record TlsConfig(String certificate, String key, String caFile, String caDir, boolean verifyClient,
                        String protocol, List<String> ciphers, String sniPath, Set<String> options) {

    /** TLS off, Pen's defaults for everything else. */
    public static final TlsConfig NONE = new TlsConfig(null, null, null, null, false, "ssl23", List.of(), null, Set.of());

    public TlsConfig {
        Objects.requireNonNull(protocol);
        ciphers = List.copyOf(ciphers);
        options = Set.copyOf(options);
    }

    public boolean enabled() {
        return certificate != null;
    }

    /** The key file, defaulting to the certificate file (Pen: "may be contained in cert"). */
    public String keyOrCertificate() {
        return key != null ? key : certificate;
    }

    public TlsConfig withCertificate(String v) {
        return new TlsConfig(v, key, caFile, caDir, verifyClient, protocol, ciphers, sniPath, options);
    }

    public TlsConfig withKey(String v) {
        return new TlsConfig(certificate, v, caFile, caDir, verifyClient, protocol, ciphers, sniPath, options);
    }

    public TlsConfig withCaFile(String v) {
        return new TlsConfig(certificate, key, v, caDir, verifyClient, protocol, ciphers, sniPath, options);
    }

    public TlsConfig withCaDir(String v) {
        return new TlsConfig(certificate, key, caFile, v, verifyClient, protocol, ciphers, sniPath, options);
    }

    public TlsConfig withVerifyClient(boolean v) {
        return new TlsConfig(certificate, key, caFile, caDir, v, protocol, ciphers, sniPath, options);
    }

    public TlsConfig withProtocol(String v) {
        return new TlsConfig(certificate, key, caFile, caDir, verifyClient, v, ciphers, sniPath, options);
    }

    public TlsConfig withCiphers(List<String> v) {
        return new TlsConfig(certificate, key, caFile, caDir, verifyClient, protocol, v, sniPath, options);
    }

    public TlsConfig withSniPath(String v) {
        return new TlsConfig(certificate, key, caFile, caDir, verifyClient, protocol, ciphers, v, options);
    }

    public TlsConfig withOptions(Set<String> v) {
        return new TlsConfig(certificate, key, caFile, caDir, verifyClient, protocol, ciphers, sniPath, v);
    }

    /** The protocol versions to enable for {@link #protocol} and {@link #options}, newest first. */
    public String[] protocols() {
        List<String> p = switch (protocol) {
            case "tls1.3" -> List.of("TLSv1.3");
            case "tls1.2" -> List.of("TLSv1.2");
            default -> List.of("TLSv1.3", "TLSv1.2");
        };
        return p.stream()
                .filter(v -> !(v.equals("TLSv1.3") && options.contains("no_tlsv1.3")))
                .filter(v -> !(v.equals("TLSv1.2") && options.contains("no_tlsv1.2")))
                .toArray(String[]::new);
    }

    /** Pen's {@code -L} words that jpen accepts; ssl2, ssl3 and tls1 (1.0) are refused as insecure. */
    public static String checkProtocol(String word) {
        return switch (word) {
            case "ssl23", "tls1.2", "tls1.3" -> word;
            case "ssl2", "ssl3", "tls1", "tls1.1" -> throw io.jpen.node.config.ConfigException.of(word,
                    "protocol version " + word + " is insecure and not supported (expected: ssl23|tls1.2|tls1.3)");
            default -> throw io.jpen.node.config.ConfigException.of(word,
                    "protocol version " + word + " not known (expected: ssl23|tls1.2|tls1.3)");
        };
    }

    /** Pen's {@code ssl_option} words (the SSLv2/v3/TLSv1.0/1.1 ones are always in force with jpen). */
    public static final Set<String> OPTION_WORDS = Set.of("no_sslv2", "no_sslv3", "no_tlsv1", "no_tlsv1.1",
            "no_tlsv1.2", "no_tlsv1.3", "cipher_server_preference");
}
