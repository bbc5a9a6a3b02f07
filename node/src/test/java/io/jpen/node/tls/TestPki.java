package io.jpen.node.tls;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * A throw-away PKI for TLS tests, made with the JDK's own {@code keytool} (no extra dependency): self-signed server
 * certificates, a CA, client certificates signed by it. Server keys are written as PEM, as Pen users have them
 * (RSA ones as PKCS#1 {@code BEGIN RSA PRIVATE KEY}, EC ones as PKCS#8).
 */
final class TestPki {
    static final char[] PASS = "changeit".toCharArray();
    private final Path dir;

    TestPki(Path dir) {
        this.dir = dir;
    }

    /** A key pair and its certificate: the PKCS#12 store, the certificate PEM and the key PEM. */
    record Identity(String cn, Path store, Path certPem, Path keyPem) {
        X509Certificate certificate() throws Exception {
            try (InputStream in = Files.newInputStream(certPem)) {
                return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
            }
        }
    }

    Identity selfSigned(String cn, String keyAlg) throws Exception {
        return generate(cn, keyAlg, false);
    }

    Identity ca(String cn) throws Exception {
        return generate(cn, "EC", true);
    }

    /** A certificate for {@code cn} signed by {@code ca}; its store holds the key with the chain leaf, CA. */
    Identity signedBy(Identity ca, String cn) throws Exception {
        Identity own = generate(cn, "EC", false);
        Path csr = dir.resolve(cn + ".csr");
        keytool("-certreq", "-alias", "key", "-keystore", own.store().toString(), "-storepass", "changeit", "-file", csr.toString());
        Path crt = dir.resolve(cn + ".signed.crt");
        keytool("-gencert", "-alias", "key", "-keystore", ca.store().toString(), "-storepass", "changeit", "-infile",
                csr.toString(), "-outfile", crt.toString(), "-rfc", "-validity", "2");
        KeyStore in = load(own.store());
        PrivateKey key = (PrivateKey) in.getKey("key", PASS);
        X509Certificate leaf;
        try (InputStream s = Files.newInputStream(crt)) {
            leaf = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(s);
        }
        KeyStore out = KeyStore.getInstance("PKCS12");
        out.load(null, null);
        out.setKeyEntry("key", key, PASS, new Certificate[] {leaf, ca.certificate()});
        Path store = dir.resolve(cn + ".signed.p12");
        try (var o = Files.newOutputStream(store)) {
            out.store(o, PASS);
        }
        return new Identity(cn, store, crt, own.keyPem());
    }

    private Identity generate(String cn, String keyAlg, boolean isCa) throws Exception {
        Path store = dir.resolve(cn + ".p12");
        List<String> args = new ArrayList<>(List.of("-genkeypair", "-alias", "key", "-keyalg", keyAlg, "-dname", "CN=" + cn,
                "-validity", "2", "-keystore", store.toString(), "-storetype", "PKCS12", "-storepass", "changeit",
                "-keypass", "changeit"));
        if ("EC".equals(keyAlg)) {
            args.addAll(List.of("-groupname", "secp256r1"));
        } else {
            args.addAll(List.of("-keysize", "2048"));
        }
        if (isCa) {
            args.addAll(List.of("-ext", "bc:c"));
        }
        keytool(args.toArray(new String[0]));
        Path crt = dir.resolve(cn + ".crt");
        keytool("-exportcert", "-rfc", "-alias", "key", "-keystore", store.toString(), "-storepass", "changeit",
                "-file", crt.toString());
        Path key = dir.resolve(cn + ".key");
        PrivateKey pk = (PrivateKey) load(store).getKey("key", PASS);
        if ("RSA".equals(pk.getAlgorithm())) {
            writePem(key, "RSA PRIVATE KEY", pkcs1(pk.getEncoded()));
        } else {
            writePem(key, "PRIVATE KEY", pk.getEncoded());
        }
        return new Identity(cn, store, crt, key);
    }

    static KeyStore load(Path store) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            ks.load(in, PASS);
        }
        return ks;
    }

    static void writePem(Path file, String type, byte[] der) throws IOException {
        String b64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        Files.writeString(file, "-----BEGIN " + type + "-----\n" + b64 + "\n-----END " + type + "-----\n");
    }

    /** The RSAPrivateKey inside a PKCS#8 PrivateKeyInfo: SEQUENCE { INTEGER, SEQUENCE {...}, OCTET STRING {here} }. */
    private static byte[] pkcs1(byte[] pkcs8) {
        int[] pos = {0};
        header(pkcs8, pos); // outer SEQUENCE
        skip(pkcs8, pos); // version
        skip(pkcs8, pos); // algorithm
        int len = header(pkcs8, pos); // OCTET STRING
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(pkcs8, pos[0], len);
        return out.toByteArray();
    }

    private static int header(byte[] d, int[] pos) {
        pos[0]++; // tag
        int b = d[pos[0]++] & 0xff;
        if (b < 0x80) {
            return b;
        }
        int n = b & 0x7f;
        int len = 0;
        for (int i = 0; i < n; i++) {
            len = (len << 8) | (d[pos[0]++] & 0xff);
        }
        return len;
    }

    private static void skip(byte[] d, int[] pos) {
        int len = header(d, pos);
        pos[0] += len;
    }

    private static void keytool(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException("keytool " + String.join(" ", args) + " failed:\n" + out);
        }
    }
}
