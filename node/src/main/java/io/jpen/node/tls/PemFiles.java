package io.jpen.node.tls;

import io.jpen.node.config.ConfigException;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the PEM files Pen users have: certificate chains, and private keys as PKCS#8 ({@code BEGIN PRIVATE KEY}) or
 * PKCS#1 RSA ({@code BEGIN RSA PRIVATE KEY}, what older {@code openssl genrsa} writes). Every failure is a
 * {@link ConfigException} naming the file and saying what to do. Blocking file I/O: never call on an event loop.
 */
final class PemFiles {
    private static final Pattern BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----\\s*([A-Za-z0-9+/=\\s]+?)\\s*-----END \\1-----");

    private PemFiles() {
    }

    /** All certificates in {@code file}, leaf first as written. */
    static List<X509Certificate> certificates(String file, String what) {
        byte[] bytes = read(file, what);
        List<X509Certificate> out = new ArrayList<>();
        try {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            for (var c : cf.generateCertificates(new ByteArrayInputStream(bytes))) {
                out.add((X509Certificate) c);
            }
        } catch (GeneralSecurityException | RuntimeException e) {
            throw ConfigException.of(file, what + ": not a PEM certificate file (" + e.getMessage() + ")");
        }
        if (out.isEmpty()) {
            throw ConfigException.of(file, what + ": no certificate in the file (expected: -----BEGIN CERTIFICATE-----)");
        }
        return out;
    }

    /** The private key in {@code file} (the first key block; a certificate file may hold both, as Pen allows). */
    static PrivateKey privateKey(String file) {
        String text = new String(read(file, "private key"), StandardCharsets.US_ASCII);
        Matcher m = BLOCK.matcher(text);
        while (m.find()) {
            String type = m.group(1);
            if (!type.endsWith("PRIVATE KEY")) {
                continue;
            }
            byte[] der;
            try {
                der = Base64.getMimeDecoder().decode(m.group(2));
            } catch (IllegalArgumentException e) {
                throw ConfigException.of(file, "private key: bad base64 in the PEM block");
            }
            return switch (type) {
                case "PRIVATE KEY" -> pkcs8(file, der);
                case "RSA PRIVATE KEY" -> pkcs8(file, wrapRsa(der));
                case "ENCRYPTED PRIVATE KEY" -> throw ConfigException.of(file,
                        "private key is encrypted; jpen has no passphrase option (decrypt it: openssl pkcs8 -in KEY -nocrypt -topk8 -out KEY.plain)");
                default -> throw ConfigException.of(file, "private key: unsupported " + type
                        + " (convert it: openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8)");
            };
        }
        throw ConfigException.of(file, "no private key in the file (expected: -----BEGIN PRIVATE KEY----- or -----BEGIN RSA PRIVATE KEY-----)");
    }

    /** Fails unless {@code key} belongs to {@code cert} (Pen: "Private key does not match public key in cert!"). */
    static void checkPair(PrivateKey key, X509Certificate cert, String certFile, String keyFile) {
        PublicKey pub = cert.getPublicKey();
        String alg = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            case "Ed448" -> "Ed448";
            case "DSA" -> "SHA256withDSA";
            default -> null;
        };
        if (alg == null) {
            return; // unknown kind: the handshake will tell
        }
        try {
            byte[] probe = new byte[32];
            new SecureRandom().nextBytes(probe);
            Signature s = Signature.getInstance(alg);
            s.initSign(key);
            s.update(probe);
            byte[] sig = s.sign();
            Signature v = Signature.getInstance(alg);
            v.initVerify(pub);
            v.update(probe);
            if (v.verify(sig)) {
                return;
            }
        } catch (GeneralSecurityException e) {
            // a key of another type than the certificate's: a mismatch as well
        }
        throw ConfigException.of(keyFile, "private key does not match the certificate in " + certFile);
    }

    private static PrivateKey pkcs8(String file, byte[] der) {
        for (String alg : new String[] {"RSA", "EC", "Ed25519", "Ed448", "DSA", "RSASSA-PSS"}) {
            try {
                return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                // try the next kind
            }
        }
        throw ConfigException.of(file, "private key: not an RSA, EC or EdDSA key Java can read");
    }

    /** PKCS#1 RSAPrivateKey → PKCS#8 PrivateKeyInfo: version 0, AlgorithmIdentifier rsaEncryption/NULL, the key. */
    private static byte[] wrapRsa(byte[] pkcs1) {
        byte[] algId = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};
        byte[] version = {0x02, 0x01, 0x00};
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(version);
        body.writeBytes(algId);
        body.write(0x04);
        writeLength(body, pkcs1.length);
        body.writeBytes(pkcs1);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0x30);
        writeLength(out, body.size());
        out.writeBytes(body.toByteArray());
        return out.toByteArray();
    }

    private static void writeLength(ByteArrayOutputStream out, int len) {
        if (len < 0x80) {
            out.write(len);
        } else if (len < 0x100) {
            out.write(0x81);
            out.write(len);
        } else if (len < 0x10000) {
            out.write(0x82);
            out.write(len >> 8);
            out.write(len);
        } else {
            out.write(0x83);
            out.write(len >> 16);
            out.write(len >> 8);
            out.write(len);
        }
    }

    private static byte[] read(String file, String what) {
        try {
            return Files.readAllBytes(Path.of(file));
        } catch (IOException e) {
            throw ConfigException.of(file, what + ": cannot read (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")");
        }
    }
}
