package io.polybus.testkit;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.PKCS8Generator;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.Provider;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * A certificate authority made at test time, writing what servers and clients read: PEM certificates, PKCS#8 keys
 * (plain, or encrypted with PBES2/AES-256 as OpenSSL 3 writes them) and PKCS12 stores, in a directory of the
 * test's own. Issues server certificates for host names and IP addresses, client certificates, and expired ones.
 * Keys are EC P-256: quick to make, and read by Java, OpenSSL (Redis) and Erlang (RabbitMQ) alike.
 *
 * <p>BouncyCastle builds the certificates (the JDK has no public API for that); its provider is used by instance
 * and never registered JVM-wide. Not thread-safe: make certificates from one thread, in a test's set-up.
 */
public final class TestCa {
    private static final Provider BC = new BouncyCastleProvider();
    private static final Pattern IP = Pattern.compile("[0-9.]+|[0-9a-fA-F:]*:[0-9a-fA-F:]*");

    private final Path dir;
    private final String name;
    private final KeyPair keys;
    private final X509Certificate certificate;
    private final Path caFile;
    private final AtomicLong serial = new AtomicLong(System.currentTimeMillis());

    private TestCa(Path dir, String name) throws GeneralSecurityException, IOException {
        this.dir = dir;
        this.name = name;
        this.keys = newKeyPair();
        Instant now = Instant.now();
        X500Name subject = new X500Name("CN=" + name);
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, nextSerial(),
                Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(2))), subject, keys.getPublic());
        JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
                .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                .addExtension(Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(keys.getPublic()));
        this.certificate = sign(builder, keys);
        this.caFile = dir.resolve(name + "-ca.pem");
        Files.writeString(caFile, pem(certificate));
    }

    /** A new CA called {@code name}, writing its files to {@code dir}. */
    public static TestCa create(Path dir, String name) {
        try {
            Files.createDirectories(dir);
            return new TestCa(dir, name);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot make a test CA", e);
        }
    }

    /** The CA's certificate as PEM: what a client or server trusts ({@code tls.ca-file}). */
    public Path caFile() {
        return caFile;
    }

    public X509Certificate certificate() {
        return certificate;
    }

    /** The CA's certificate in a PKCS12 trust store protected by {@code password}. */
    public Path trustStore(String password) {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setCertificateEntry(name, certificate);
            return write(store, dir.resolve(name + "-truststore-" + nextSerial() + ".p12"), password);
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot write a trust store", e);
        }
    }

    /**
     * A server certificate valid from an hour ago for a day, for {@code names} (host names or IP addresses, each a
     * subject alternative name; the first is also the common name).
     */
    public Issued server(String... names) {
        Instant now = Instant.now();
        return issue(names[0], List.of(names), now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(1)));
    }

    /** A client certificate for {@code commonName} (the user name of x509 logins), valid from an hour ago for a day. */
    public Issued client(String commonName) {
        Instant now = Instant.now();
        return issue(commonName, List.of(), now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(1)));
    }

    /** A certificate for {@code names} that expired yesterday (valid for server and client use). */
    public Issued expired(String... names) {
        Instant now = Instant.now();
        return issue(names[0], List.of(names), now.minus(Duration.ofDays(3)), now.minus(Duration.ofDays(1)));
    }

    /**
     * A certificate for server and client use.
     *
     * @param names subject alternative names: host names, or IP addresses
     */
    public Issued issue(String commonName, List<String> names, Instant notBefore, Instant notAfter) {
        try {
            KeyPair pair = newKeyPair();
            JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(certificate, nextSerial(),
                    Date.from(notBefore), Date.from(notAfter), new X500Name("CN=" + commonName), pair.getPublic());
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyAgreement))
                    .addExtension(Extension.extendedKeyUsage, false,
                            new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}))
                    .addExtension(Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(pair.getPublic()))
                    .addExtension(Extension.authorityKeyIdentifier, false, utils.createAuthorityKeyIdentifier(certificate));
            if (!names.isEmpty()) {
                GeneralName[] alternatives = names.stream()
                        .map(n -> new GeneralName(IP.matcher(n).matches() ? GeneralName.iPAddress : GeneralName.dNSName, n))
                        .toArray(GeneralName[]::new);
                builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(alternatives));
            }
            X509Certificate issued = sign(builder, keys);
            String base = commonName.replaceAll("[^A-Za-z0-9.-]", "_") + "-" + issued.getSerialNumber();
            Path certFile = dir.resolve(base + ".crt.pem");
            Path keyFile = dir.resolve(base + ".key.pem");
            Files.writeString(certFile, pem(issued));
            Files.writeString(keyFile, pem(new JcaPKCS8Generator(pair.getPrivate(), null)));
            return new Issued(base, issued, pair, certFile, keyFile);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot issue a certificate for " + commonName, e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A certificate this CA issued, with its key, and the files that hold them. */
    public final class Issued {
        private final String base;
        private final X509Certificate certificate;
        private final KeyPair keys;
        private final Path certFile;
        private final Path keyFile;

        private Issued(String base, X509Certificate certificate, KeyPair keys, Path certFile, Path keyFile) {
            this.base = base;
            this.certificate = certificate;
            this.keys = keys;
            this.certFile = certFile;
            this.keyFile = keyFile;
        }

        public X509Certificate certificate() {
            return certificate;
        }

        /** The certificate as PEM ({@code tls.cert-file}). */
        public Path certFile() {
            return certFile;
        }

        /** The key as unencrypted PKCS#8 PEM ({@code BEGIN PRIVATE KEY}). */
        public Path keyFile() {
            return keyFile;
        }

        /** The key as encrypted PKCS#8 PEM, PBES2 with AES-256-CBC and HMAC-SHA256 (OpenSSL 3's default). */
        public Path encryptedKeyFile(String password) {
            try {
                JceOpenSSLPKCS8EncryptorBuilder encryptor = new JceOpenSSLPKCS8EncryptorBuilder(PKCS8Generator.AES_256_CBC)
                        .setProvider(BC).setPRF(PKCS8Generator.PRF_HMACSHA256).setPassword(password.toCharArray());
                Path file = dir.resolve(base + ".key-encrypted-" + nextSerial() + ".pem");
                Files.writeString(file, pem(new JcaPKCS8Generator(keys.getPrivate(), encryptor.build())));
                return file;
            } catch (OperatorCreationException | IOException e) {
                throw new IllegalStateException("cannot write an encrypted key", e);
            }
        }

        /** Key, certificate and CA certificate in a PKCS12 key store; the key has {@code keyPassword}. */
        public Path keyStore(String storePassword, String keyPassword) {
            try {
                KeyStore store = KeyStore.getInstance("PKCS12");
                store.load(null, null);
                store.setKeyEntry(base, keys.getPrivate(), keyPassword.toCharArray(),
                        new Certificate[] {certificate, TestCa.this.certificate});
                return write(store, dir.resolve(base + "-keystore-" + nextSerial() + ".p12"), storePassword);
            } catch (GeneralSecurityException | IOException e) {
                throw new IllegalStateException("cannot write a key store", e);
            }
        }

        /** Key, certificate and CA certificate in a PKCS12 key store, the key under the store's password. */
        public Path keyStore(String password) {
            return keyStore(password, password);
        }
    }

    private static KeyPair newKeyPair() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(256);
        return generator.generateKeyPair();
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, KeyPair signer) throws GeneralSecurityException {
        try {
            return new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer.getPrivate())));
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException(e);
        }
    }

    private BigInteger nextSerial() {
        return BigInteger.valueOf(serial.incrementAndGet());
    }

    private static Path write(KeyStore store, Path file, String password) throws GeneralSecurityException, IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            store.store(out, password.toCharArray());
        }
        return file;
    }

    private static String pem(Object object) throws IOException {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
            writer.writeObject(object);
        }
        return text.toString();
    }
}
