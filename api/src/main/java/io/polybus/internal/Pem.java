package io.polybus.internal;

import javax.crypto.Cipher;
import javax.crypto.EncryptedPrivateKeyInfo;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads PEM files: X.509 certificates and PKCS#8 private keys, plain or encrypted (PBES2, as OpenSSL 3 writes
 * them by default). Errors say what is wrong with the file and how to fix it, never a password.
 */
public final class Pem {
    private static final Pattern BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]*?)-----END \\1-----");
    /** Key algorithms tried in turn: PKCS#8 names the algorithm, but KeyFactory wants to be told. */
    private static final List<String> KEY_ALGORITHMS = List.of("RSA", "EC", "Ed25519", "Ed448", "RSASSA-PSS", "DSA");

    private Pem() {
    }

    /**
     * The certificates of a PEM file, in file order (the leaf first, for a chain).
     *
     * @throws IllegalArgumentException when the file cannot be read or holds no certificate
     */
    public static List<X509Certificate> certificates(Path file) {
        List<X509Certificate> certificates = new ArrayList<>();
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            for (Block block : blocks(file)) {
                if (block.type.equals("CERTIFICATE")) {
                    certificates.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(block.der)));
                }
            }
        } catch (CertificateException e) {
            throw new IllegalArgumentException("'" + file + "' holds a certificate that cannot be read: " + e.getMessage(), e);
        }
        if (certificates.isEmpty()) {
            throw new IllegalArgumentException("'" + file + "' holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
        }
        return certificates;
    }

    /** Whether the key in {@code file} is encrypted ({@code BEGIN ENCRYPTED PRIVATE KEY}). */
    public static boolean isEncryptedKey(Path file) {
        return blocks(file).stream().anyMatch(b -> b.type.equals("ENCRYPTED PRIVATE KEY"));
    }

    /**
     * The private key of a PEM file in PKCS#8, decrypted with {@code password} when it is encrypted.
     *
     * @param password the key's password, or {@code null} for an unencrypted key
     * @throws IllegalArgumentException when the file cannot be read, holds no PKCS#8 key, or the password does not
     *                                  decrypt it
     */
    public static PrivateKey privateKey(Path file, char[] password) {
        for (Block block : blocks(file)) {
            switch (block.type) {
                case "PRIVATE KEY":
                    return keyOf(file, new PKCS8EncodedKeySpec(block.der));
                case "ENCRYPTED PRIVATE KEY":
                    if (password == null) {
                        throw new IllegalArgumentException("'" + file + "' holds an encrypted key and no password was given");
                    }
                    return keyOf(file, decrypt(file, block.der, password));
                case "RSA PRIVATE KEY", "EC PRIVATE KEY", "DSA PRIVATE KEY", "OPENSSH PRIVATE KEY":
                    throw new IllegalArgumentException("'" + file + "' holds a key in the traditional format (BEGIN "
                            + block.type + "), not PKCS#8; convert it "
                            + "with: openssl pkcs8 -topk8 -in KEY -out KEY8 (add -nocrypt for no password)");
                default:
                    break;
            }
        }
        throw new IllegalArgumentException("'" + file + "' holds no PEM private key (-----BEGIN PRIVATE KEY----- or "
                + "-----BEGIN ENCRYPTED PRIVATE KEY-----)");
    }

    /** {@code der} as a PEM block of {@code type}, 64 characters a line. */
    public static String encode(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private static PKCS8EncodedKeySpec decrypt(Path file, byte[] der, char[] password) {
        EncryptedPrivateKeyInfo info;
        try {
            info = new EncryptedPrivateKeyInfo(der);
        } catch (IOException e) {
            throw new IllegalArgumentException("'" + file + "' holds an encrypted key in a scheme Java cannot read ("
                    + e.getMessage() + "); re-encrypt it with: openssl pkcs8 -topk8 -v2 aes-256-cbc -in KEY -out KEY8", e);
        }
        // Java 17 names PBES2 keys "PBES2", which no cipher answers to; their parameters name the real scheme,
        // e.g. PBEWithHmacSHA256AndAES_256.
        AlgorithmParameters parameters = info.getAlgParameters();
        String algorithm = info.getAlgName().equals("PBES2") && parameters != null ? parameters.toString() : info.getAlgName();
        Cipher cipher;
        try {
            cipher = Cipher.getInstance(algorithm);
            cipher.init(Cipher.DECRYPT_MODE, SecretKeyFactory.getInstance(algorithm).generateSecret(new PBEKeySpec(password)),
                    parameters);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("'" + file + "' is encrypted with " + algorithm + ", which Java cannot "
                    + "decrypt; re-encrypt it with: openssl pkcs8 -topk8 -v2 aes-256-cbc -in KEY -out KEY8", e);
        }
        try {
            return info.getKeySpec(cipher);
        } catch (InvalidKeySpecException e) {
            throw new WrongPasswordException("the password does not decrypt the key in '" + file + "'", e);
        }
    }

    private static PrivateKey keyOf(Path file, PKCS8EncodedKeySpec spec) {
        for (String algorithm : KEY_ALGORITHMS) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (GeneralSecurityException | RuntimeException e) {
                // not this algorithm: try the next
            }
        }
        throw new IllegalArgumentException("'" + file + "' holds a private key of none of the algorithms " + KEY_ALGORITHMS);
    }

    /** The password given for an encrypted key does not decrypt it. */
    public static final class WrongPasswordException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        WrongPasswordException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private record Block(String type, byte[] der) {
    }

    private static List<Block> blocks(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new IllegalArgumentException("'" + file + "' cannot be read (" + e.getClass().getSimpleName() + ")", e);
        }
        List<Block> blocks = new ArrayList<>();
        Matcher m = BLOCK.matcher(text);
        while (m.find()) {
            try {
                blocks.add(new Block(m.group(1), Base64.getMimeDecoder().decode(m.group(2))));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("'" + file + "' has a damaged " + m.group(1) + " block", e);
            }
        }
        return blocks;
    }
}
