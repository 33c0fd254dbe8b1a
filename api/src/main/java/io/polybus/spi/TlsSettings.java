package io.polybus.spi;

import io.polybus.ConfigException;
import io.polybus.ConfigException.Problem;
import io.polybus.internal.ParameterizedSslContext;
import io.polybus.internal.Pem;
import io.polybus.spi.ConfigDef.Type;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.UnrecoverableKeyException;
import java.security.cert.Certificate;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * TLS for a broker connection, configured with the same keys in every broker module, so that a user who moves
 * from one broker to another keeps the {@code tls.*} part of the configuration as it is:
 *
 * <table>
 *   <caption>keys</caption>
 *   <tr><td>{@code tls}</td><td>turns TLS on (brokers with their own switch, such as Kafka's
 *       {@code security-protocol}, leave it out)</td></tr>
 *   <tr><td>{@code tls.ca-file}</td><td>PEM CA certificates to trust instead of the JVM's default trust store</td></tr>
 *   <tr><td>{@code tls.trust-store}, {@code tls.trust-store-password}</td><td>the same, as a PKCS12 store</td></tr>
 *   <tr><td>{@code tls.cert-file}, {@code tls.key-file}, {@code tls.key-password}</td><td>this client's PEM
 *       certificate and PKCS#8 key (optionally encrypted), for mutual TLS</td></tr>
 *   <tr><td>{@code tls.key-store}, {@code tls.key-store-password}, {@code tls.key-password}</td><td>the same, as a
 *       PKCS12 store</td></tr>
 *   <tr><td>{@code tls.verify-hostname}</td><td>check the server's certificate against the host name (default
 *       true)</td></tr>
 * </table>
 *
 * <p>Nothing here touches JVM-wide state ({@code javax.net.ssl.*} properties, the default {@link SSLContext}): each
 * broker gets an {@link SSLContext} of its own. Passwords stay in {@link Password}s and never reach a message, a log
 * line or {@link #toString()}.
 *
 * <h2>For broker module authors</h2>
 * <pre>{@code
 * public static final ConfigDef CONFIG = ConfigDef.builder("nats")
 *         .define("servers", ...)
 *         .include(TlsSettings::define)             // or TlsSettings::defineStores when another key turns TLS on
 *         .build();
 *
 * TlsSettings tls = TlsSettings.from(config);      // at open; ConfigException naming the key for a bad file or password
 * if (tls.enabled()) {
 *     client.sslContext(tls.sslContext());         // and tls.sslParameters() (host-name check), or the client's own
 * }                                                 // host-name switch when tls.verifyHostname()
 * ...
 * } catch (IOException e) {                        // the first connection failed
 *     throw TlsFailure.explain(e, tls, "NATS", address)
 *             .or(() -> TlsFailure.diagnose(tls, "NATS", host, port, connectTimeout))
 *             .orElseGet(() -> new BrokerUnavailableException("cannot reach NATS at " + address + ": " + e, e));
 * }
 * }</pre>
 * Clients that take PEM text or key objects instead of an {@link SSLContext} (Kafka) read {@link #caFile()},
 * {@link #certificateChainPem()}, {@link #privateKeyPem()} and the store accessors.
 *
 * <h2>For servers</h2>
 * A component that accepts connections (the syslog source, the metrics endpoint) defines its keys with
 * {@link #defineServer}: the same file and store keys, naming the server's own certificate and key, the CAs that sign
 * client certificates, and {@code tls.client-auth} ({@code none}, {@code optional} or {@code required}).
 * {@link #forServer} reads them; {@link #serverParameters()} carries the client-certificate demand.
 *
 * <p>Immutable and thread-safe. {@link #from} reads every file once, so a bad file or password fails at open.
 */
public final class TlsSettings {
    /** Turns TLS on; defined by {@link #define}, not by {@link #defineStores}. */
    public static final String ENABLED = "tls";
    public static final String CA_FILE = "tls.ca-file";
    public static final String TRUST_STORE = "tls.trust-store";
    public static final String TRUST_STORE_PASSWORD = "tls.trust-store-password";
    public static final String CERT_FILE = "tls.cert-file";
    public static final String KEY_FILE = "tls.key-file";
    public static final String KEY_STORE = "tls.key-store";
    public static final String KEY_STORE_PASSWORD = "tls.key-store-password";
    public static final String KEY_PASSWORD = "tls.key-password";
    public static final String VERIFY_HOSTNAME = "tls.verify-hostname";
    /** Servers only: whether clients must present a certificate. */
    public static final String CLIENT_AUTH = "tls.client-auth";

    /** Whether a server asks its clients for a certificate ({@code tls.client-auth}). */
    public enum ClientAuth {
        /** Clients are not asked for a certificate. */
        NONE,
        /** Clients are asked; one that offers a certificate must offer one the CAs signed. */
        OPTIONAL,
        /** Clients without a certificate the CAs signed are refused. */
        REQUIRED
    }

    /** The keys that only mean something with TLS on. */
    private static final List<String> TLS_ONLY = List.of(CA_FILE, TRUST_STORE, TRUST_STORE_PASSWORD, CERT_FILE, KEY_FILE,
            KEY_STORE, KEY_STORE_PASSWORD, KEY_PASSWORD);
    /** Protects key stores that never leave memory: the key in them came from a file the user protects. */
    private static final char[] IN_MEMORY = "polybus-in-memory".toCharArray();

    private final boolean enabled;
    private final String enabledBy;
    private final boolean verifyHostname;
    private final boolean server;
    private final ClientAuth clientAuth;
    private final Optional<Path> caFile;
    private final Optional<Path> trustStore;
    private final Optional<Password> trustStorePassword;
    private final Optional<Path> certFile;
    private final Optional<Path> keyFile;
    private final Optional<Path> keyStore;
    private final Optional<Password> keyStorePassword;
    private final Optional<Password> keyPassword;
    private final List<X509Certificate> certificateChain;
    private final PrivateKey privateKey;
    private final SSLContext context;
    private final TrustManagerFactory trustManagerFactory;
    private final KeyManagerFactory keyManagerFactory;

    private TlsSettings(ProviderConfig c, boolean enabled, String enabledBy, boolean server) {
        this.enabled = enabled;
        this.enabledBy = enabledBy;
        this.server = server;
        this.verifyHostname = !server && c.getBoolean(VERIFY_HOSTNAME);
        this.clientAuth = server ? c.getEnum(CLIENT_AUTH, ClientAuth.class) : ClientAuth.NONE;
        this.caFile = path(c, CA_FILE);
        this.trustStore = path(c, TRUST_STORE);
        this.trustStorePassword = c.findPassword(TRUST_STORE_PASSWORD);
        this.certFile = path(c, CERT_FILE);
        this.keyFile = path(c, KEY_FILE);
        this.keyStore = path(c, KEY_STORE);
        this.keyStorePassword = c.findPassword(KEY_STORE_PASSWORD);
        this.keyPassword = c.findPassword(KEY_PASSWORD);

        List<Problem> problems = new ArrayList<>();
        if (!enabled) {
            for (String key : TLS_ONLY) {
                if (c.has(key)) {
                    problems.add(new Problem(key, null, "is set, but TLS is off; turn it on with " + enabledBy));
                }
            }
            if (clientAuth != ClientAuth.NONE) {
                problems.add(new Problem(CLIENT_AUTH, null, "is set, but TLS is off; turn it on with " + enabledBy));
            }
            throwIfAny(c, problems);
            certificateChain = List.of();
            privateKey = null;
            context = null;
            trustManagerFactory = null;
            keyManagerFactory = null;
            return;
        }
        checkCombinations(problems);
        if (server) {
            checkServer(problems);
        }
        throwIfAny(c, problems);

        trustManagerFactory = trustManagers(problems);
        KeyMaterial keys = keyMaterial(problems);
        throwIfAny(c, problems);
        certificateChain = keys.chain;
        privateKey = keys.pemKey;
        keyManagerFactory = keys.factory;
        try {
            context = SSLContext.getInstance("TLS");
            context.init(keyManagerFactory == null ? null : keyManagerFactory.getKeyManagers(),
                    trustManagerFactory == null ? null : trustManagerFactory.getTrustManagers(), null);
        } catch (GeneralSecurityException e) {
            throw new ConfigException(ENABLED, null, "a JVM that offers TLS (" + e.getMessage() + ")");
        }
    }

    private void checkServer(List<Problem> problems) {
        if (certFile.isEmpty() && keyFile.isEmpty() && keyStore.isEmpty()) {
            problems.add(new Problem(CERT_FILE, null, "missing: a TLS server needs its certificate and key: "
                    + CERT_FILE + " with " + KEY_FILE + ", or " + KEY_STORE));
        }
        boolean trust = caFile.isPresent() || trustStore.isPresent();
        if (clientAuth != ClientAuth.NONE && !trust) {
            problems.add(new Problem(CA_FILE, null, "missing: " + CLIENT_AUTH + " "
                    + clientAuth.name().toLowerCase(Locale.ROOT) + " checks client certificates against the CAs in "
                    + CA_FILE + " or " + TRUST_STORE));
        } else if (clientAuth == ClientAuth.NONE && trust) {
            problems.add(new Problem(caFile.isPresent() ? CA_FILE : TRUST_STORE, null, "is set, but " + CLIENT_AUTH
                    + " is none: clients are not asked for a certificate; set it to optional or required"));
        }
    }

    /**
     * Defines {@code tls} (off by default) and every key of {@link #defineStores}: for brokers where TLS is a switch
     * of its own. Use as {@code builder.include(TlsSettings::define)}.
     */
    public static void define(ConfigDef.Builder builder) {
        builder.define(ENABLED, Type.BOOLEAN, "false",
                "Connect with TLS. The server's certificate is checked against `tls.ca-file` or `tls.trust-store` (the"
                        + " JVM's default trust store when neither is set) and, unless `tls.verify-hostname` is false,"
                        + " against the host name.");
        defineStores(builder);
    }

    /**
     * Defines the trust, key and verification keys without the {@code tls} switch: for brokers where another key
     * turns TLS on (Kafka's {@code security-protocol}). Use as {@code builder.include(TlsSettings::defineStores)}.
     */
    public static void defineStores(ConfigDef.Builder builder) {
        builder.define(CA_FILE, Type.STRING, null,
                        "PEM file with the CA certificates that signed the server's certificate; replaces the JVM's"
                                + " default trust store.")
                .define(TRUST_STORE, Type.STRING, null, "PKCS12 trust store with those CA certificates, instead of"
                        + " `tls.ca-file`.")
                .define(TRUST_STORE_PASSWORD, Type.PASSWORD, null, "Password of `tls.trust-store`; never logged.")
                .define(CERT_FILE, Type.STRING, null, "PEM file with this client's certificate (then its chain), for"
                        + " mutual TLS; with `tls.key-file`.")
                .define(KEY_FILE, Type.STRING, null, "PEM file with the private key of `tls.cert-file` in PKCS#8:"
                        + " `BEGIN PRIVATE KEY`, or `BEGIN ENCRYPTED PRIVATE KEY` with `tls.key-password`.")
                .define(KEY_STORE, Type.STRING, null, "PKCS12 key store with this client's key and certificate, instead"
                        + " of `tls.cert-file` and `tls.key-file`.")
                .define(KEY_STORE_PASSWORD, Type.PASSWORD, null, "Password of `tls.key-store`; never logged.")
                .define(KEY_PASSWORD, Type.PASSWORD, null, "Password of an encrypted `tls.key-file`, or of the key in"
                        + " `tls.key-store` when it differs from the store's; never logged.")
                .define(VERIFY_HOSTNAME, Type.BOOLEAN, "true", "Check that the server's certificate names the host"
                        + " connected to. Turn off only for a server reached by a name its certificate lacks.");
    }

    /**
     * Defines the keys of a component that accepts TLS connections: {@code tls} (off by default), the server's own
     * certificate and key ({@code tls.cert-file} with {@code tls.key-file}, or {@code tls.key-store}), and for client
     * certificates {@code tls.client-auth} with the CAs that sign them ({@code tls.ca-file} or {@code tls.trust-store}).
     * Use as {@code builder.include(TlsSettings::defineServer)}; read with {@link #forServer}.
     */
    public static void defineServer(ConfigDef.Builder builder) {
        builder.define(ENABLED, Type.BOOLEAN, "false", "Accept TLS connections only, with the certificate and key of"
                        + " `tls.cert-file` and `tls.key-file` (or `tls.key-store`).")
                .define(CERT_FILE, Type.STRING, null, "PEM file with this server's certificate (then its chain); with"
                        + " `tls.key-file`.")
                .define(KEY_FILE, Type.STRING, null, "PEM file with the private key of `tls.cert-file` in PKCS#8:"
                        + " `BEGIN PRIVATE KEY`, or `BEGIN ENCRYPTED PRIVATE KEY` with `tls.key-password`.")
                .define(KEY_STORE, Type.STRING, null, "PKCS12 key store with this server's key and certificate, instead"
                        + " of `tls.cert-file` and `tls.key-file`.")
                .define(KEY_STORE_PASSWORD, Type.PASSWORD, null, "Password of `tls.key-store`; never logged.")
                .define(KEY_PASSWORD, Type.PASSWORD, null, "Password of an encrypted `tls.key-file`, or of the key in"
                        + " `tls.key-store` when it differs from the store's; never logged.")
                .define(CLIENT_AUTH, Type.STRING, "none", ConfigDef.oneOf("none", "optional", "required"),
                        "Client certificates: `none` (not asked for), `optional` (checked when offered) or `required`"
                                + " (a client without one is refused); checked against `tls.ca-file` or `tls.trust-store`.")
                .define(CA_FILE, Type.STRING, null, "PEM file with the CA certificates that sign client certificates;"
                        + " with `tls.client-auth` optional or required.")
                .define(TRUST_STORE, Type.STRING, null, "PKCS12 trust store with those CA certificates, instead of"
                        + " `tls.ca-file`.")
                .define(TRUST_STORE_PASSWORD, Type.PASSWORD, null, "Password of `tls.trust-store`; never logged.");
    }

    /**
     * The settings of a server that defined its keys with {@link #defineServer}.
     *
     * @throws ConfigException naming each key whose file cannot be read or whose password does not open it, a missing
     *                         certificate or key with TLS on, and client certificates asked for without CAs
     */
    public static TlsSettings forServer(ProviderConfig config) {
        return new TlsSettings(config, config.getBoolean(ENABLED), "`" + ENABLED + ": true`", true);
    }

    /**
     * The settings of a provider that defined its keys with {@link #define}.
     *
     * @throws ConfigException naming each key whose file cannot be read or whose password does not open it, and
     *                         keys that contradict each other
     */
    public static TlsSettings from(ProviderConfig config) {
        return from(config, config.getBoolean(ENABLED), "`" + ENABLED + ": true`");
    }

    /**
     * The settings of a provider where something else than the {@code tls} key decides whether TLS is on.
     *
     * @param enabled   whether the connection uses TLS
     * @param enabledBy how a user turns it on, for messages, e.g. {@code "security-protocol SSL or SASL_SSL"}
     * @throws ConfigException as {@link #from(ProviderConfig)}; also when a {@code tls.*} key is set with TLS off
     */
    public static TlsSettings from(ProviderConfig config, boolean enabled, String enabledBy) {
        return new TlsSettings(config, enabled, enabledBy, false);
    }

    private void checkCombinations(List<Problem> problems) {
        if (caFile.isPresent() && trustStore.isPresent()) {
            problems.add(new Problem(TRUST_STORE, null, "give " + CA_FILE + " or " + TRUST_STORE + ", not both"));
        }
        if (trustStorePassword.isPresent() && trustStore.isEmpty()) {
            problems.add(new Problem(TRUST_STORE_PASSWORD, null, "given without " + TRUST_STORE));
        }
        if (certFile.isPresent() != keyFile.isPresent()) {
            problems.add(new Problem(certFile.isPresent() ? KEY_FILE : CERT_FILE, null,
                    "missing: " + CERT_FILE + " and " + KEY_FILE + " go together"));
        }
        if (keyStore.isPresent() && (certFile.isPresent() || keyFile.isPresent())) {
            problems.add(new Problem(KEY_STORE, null, "give " + KEY_STORE + " or " + CERT_FILE + " with " + KEY_FILE
                    + ", not both"));
        }
        if (keyStorePassword.isPresent() && keyStore.isEmpty()) {
            problems.add(new Problem(KEY_STORE_PASSWORD, null, "given without " + KEY_STORE));
        }
        if (keyFile.isPresent() && Files.isReadable(keyFile.get())) {
            boolean encrypted = isEncrypted(keyFile.get());
            if (encrypted && keyPassword.isEmpty()) {
                problems.add(new Problem(KEY_PASSWORD, null, "missing: " + KEY_FILE + " '" + keyFile.get()
                        + "' is encrypted"));
            } else if (!encrypted && keyPassword.isPresent()) {
                problems.add(new Problem(KEY_PASSWORD, null, "given, but " + KEY_FILE + " '" + keyFile.get()
                        + "' is not encrypted"));
            }
        } else if (keyPassword.isPresent() && keyFile.isEmpty() && keyStore.isEmpty()) {
            problems.add(new Problem(KEY_PASSWORD, null, "given without " + KEY_FILE + " or " + KEY_STORE));
        }
    }

    private static boolean isEncrypted(Path file) {
        try {
            return Pem.isEncryptedKey(file);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** The factory of the configured trust, or null for the JVM's default. */
    private TrustManagerFactory trustManagers(List<Problem> problems) {
        KeyStore store = null;
        if (caFile.isPresent()) {
            try {
                store = emptyStore();
                List<X509Certificate> cas = Pem.certificates(caFile.get());
                for (int i = 0; i < cas.size(); i++) {
                    store.setCertificateEntry("ca-" + i, cas.get(i));
                }
            } catch (IllegalArgumentException e) {
                problems.add(new Problem(CA_FILE, null, e.getMessage()));
                return null;
            } catch (GeneralSecurityException e) {
                problems.add(new Problem(CA_FILE, null, "'" + caFile.get() + "' cannot be used: " + e.getMessage()));
                return null;
            }
        } else if (trustStore.isPresent()) {
            store = load(trustStore.get(), TRUST_STORE, trustStorePassword, TRUST_STORE_PASSWORD, problems);
            if (store == null) {
                return null;
            }
            if (!hasEntry(store, false)) {
                problems.add(new Problem(TRUST_STORE, null, "'" + trustStore.get() + "' holds no certificate to trust"));
                return null;
            }
        }
        if (store == null) {
            // The default trust managers: the JVM's trust store, or whatever javax.net.ssl.trustStore names.
            return null;
        }
        try {
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(store);
            return factory;
        } catch (GeneralSecurityException e) {
            problems.add(new Problem(caFile.isPresent() ? CA_FILE : TRUST_STORE, null, "cannot be used: " + e.getMessage()));
            return null;
        }
    }

    private record KeyMaterial(KeyManagerFactory factory, List<X509Certificate> chain, PrivateKey pemKey) {
        static final KeyMaterial NONE = new KeyMaterial(null, List.of(), null);
    }

    private KeyMaterial keyMaterial(List<Problem> problems) {
        try {
            if (certFile.isPresent()) {
                List<X509Certificate> chain;
                PrivateKey key;
                try {
                    chain = Pem.certificates(certFile.get());
                } catch (IllegalArgumentException e) {
                    problems.add(new Problem(CERT_FILE, null, e.getMessage()));
                    return KeyMaterial.NONE;
                }
                try {
                    key = Pem.privateKey(keyFile.get(), keyPassword.map(p -> p.value().toCharArray()).orElse(null));
                } catch (Pem.WrongPasswordException e) {
                    problems.add(new Problem(KEY_PASSWORD, "[hidden]", "does not decrypt " + KEY_FILE + " '"
                            + keyFile.get() + "'"));
                    return KeyMaterial.NONE;
                } catch (IllegalArgumentException e) {
                    problems.add(new Problem(KEY_FILE, null, e.getMessage()));
                    return KeyMaterial.NONE;
                }
                if (!pairs(key, chain.get(0).getPublicKey())) {
                    problems.add(new Problem(CERT_FILE, null, "'" + certFile.get() + "' does not start with the certificate"
                            + " of the key in " + KEY_FILE + " '" + keyFile.get() + "'"));
                    return KeyMaterial.NONE;
                }
                KeyStore store = emptyStore();
                store.setKeyEntry("client", key, IN_MEMORY, chain.toArray(new Certificate[0]));
                return new KeyMaterial(keyManagers(store, IN_MEMORY), List.copyOf(chain), key);
            }
            if (keyStore.isPresent()) {
                KeyStore store = load(keyStore.get(), KEY_STORE, keyStorePassword, KEY_STORE_PASSWORD, problems);
                if (store == null) {
                    return KeyMaterial.NONE;
                }
                if (!hasEntry(store, true)) {
                    problems.add(new Problem(KEY_STORE, null, "'" + keyStore.get() + "' holds no private key"));
                    return KeyMaterial.NONE;
                }
                char[] password = keyPassword.or(() -> keyStorePassword).map(p -> p.value().toCharArray())
                        .orElse(new char[0]);
                try {
                    return new KeyMaterial(keyManagers(store, password), chainOf(store), null);
                } catch (UnrecoverableKeyException e) {
                    problems.add(new Problem(keyPassword.isPresent() ? KEY_PASSWORD : KEY_STORE_PASSWORD, "[hidden]",
                            "does not unlock the key in " + KEY_STORE + " '" + keyStore.get() + "'"
                                    + (keyPassword.isPresent() ? "" : "; set " + KEY_PASSWORD + " when the key has a"
                                    + " password of its own")));
                    return KeyMaterial.NONE;
                }
            }
            return KeyMaterial.NONE;
        } catch (GeneralSecurityException e) {
            problems.add(new Problem(certFile.isPresent() ? CERT_FILE : KEY_STORE, null, "cannot be used: " + e.getMessage()));
            return KeyMaterial.NONE;
        }
    }

    private static KeyManagerFactory keyManagers(KeyStore store, char[] password) throws GeneralSecurityException {
        KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        factory.init(store, password);
        return factory;
    }

    private static List<X509Certificate> chainOf(KeyStore store) throws GeneralSecurityException {
        for (String alias : Collections.list(store.aliases())) {
            if (store.isKeyEntry(alias) && store.getCertificateChain(alias) != null) {
                List<X509Certificate> chain = new ArrayList<>();
                for (Certificate c : store.getCertificateChain(alias)) {
                    chain.add((X509Certificate) c);
                }
                return List.copyOf(chain);
            }
        }
        return List.of();
    }

    private static boolean hasEntry(KeyStore store, boolean key) {
        try {
            for (String alias : Collections.list(store.aliases())) {
                if (key ? store.isKeyEntry(alias) : store.isCertificateEntry(alias)) {
                    return true;
                }
            }
            return false;
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /** Whether {@code key} signs what {@code certificateKey} verifies: the certificate is the key's. */
    private static boolean pairs(PrivateKey key, PublicKey certificateKey) {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "DSA" -> "SHA256withDSA";
            case "Ed25519", "Ed448", "EdDSA" -> key.getAlgorithm();
            default -> null;
        };
        if (algorithm == null) {
            return true;
        }
        byte[] probe = "polybus key check".getBytes(StandardCharsets.US_ASCII);
        try {
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(certificateKey);
            verifier.update(probe);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static KeyStore emptyStore() throws GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try {
            store.load(null, null);
        } catch (IOException e) {
            throw new GeneralSecurityException(e);
        }
        return store;
    }

    private static KeyStore load(Path path, String key, Optional<Password> password, String passwordKey,
                                 List<Problem> problems) {
        try (InputStream in = Files.newInputStream(path)) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(in, password.map(p -> p.value().toCharArray()).orElse(null));
            return store;
        } catch (NoSuchFileException e) {
            problems.add(new Problem(key, null, "'" + path + "' cannot be read (no such file)"));
        } catch (IOException e) {
            if (e.getCause() instanceof UnrecoverableKeyException || String.valueOf(e.getMessage()).contains("password")) {
                problems.add(password.isPresent()
                        ? new Problem(passwordKey, "[hidden]", "does not open " + key + " '" + path + "'")
                        : new Problem(passwordKey, null, "missing: " + key + " '" + path + "' needs its password"));
            } else {
                problems.add(new Problem(key, null, "'" + path + "' cannot be read as a PKCS12 store ("
                        + e.getClass().getSimpleName() + ": " + e.getMessage() + ")"));
            }
        } catch (GeneralSecurityException e) {
            problems.add(new Problem(key, null, "'" + path + "' cannot be read as a PKCS12 store (" + e.getMessage() + ")"));
        }
        return null;
    }

    private static Optional<Path> path(ProviderConfig c, String key) {
        return c.findString(key).map(String::trim).filter(s -> !s.isEmpty()).map(Path::of);
    }

    /** Throws the problems, each named by its full path in the configuration (e.g. {@code metrics.tls.cert-file}). */
    private static void throwIfAny(ProviderConfig c, List<Problem> problems) {
        if (!problems.isEmpty()) {
            throw new ConfigException(problems.stream()
                    .map(p -> new Problem(c.pathOf(p.key()), p.value(), p.accepted())).toList());
        }
    }

    /** Whether the connection uses TLS. */
    public boolean enabled() {
        return enabled;
    }

    /** How a user turns TLS on, for messages: {@code `tls: true`}, or what the provider said. */
    public String enabledBy() {
        return enabledBy;
    }

    /** Whether the server's certificate must name the host connected to ({@code tls.verify-hostname}). */
    public boolean verifyHostname() {
        return verifyHostname;
    }

    /** Whether a client certificate is configured (mutual TLS). */
    public boolean hasClientCertificate() {
        return !certificateChain.isEmpty();
    }

    /**
     * A context of this broker's own, with the configured trust (or the JVM's default trust) and client key.
     *
     * @throws IllegalStateException when TLS is off
     */
    public SSLContext sslContext() {
        if (context == null) {
            throw new IllegalStateException("TLS is off");
        }
        return context;
    }

    /**
     * Parameters for sockets and engines of {@link #sslContext()}: its defaults, with the HTTPS host-name check
     * (RFC 2818) when {@link #verifyHostname()}. A new copy on every call.
     *
     * @throws IllegalStateException when TLS is off
     */
    public SSLParameters sslParameters() {
        SSLParameters parameters = sslContext().getDefaultSSLParameters();
        if (verifyHostname) {
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
        }
        return parameters;
    }

    /**
     * {@link #sslContext()} with {@link #sslParameters()} applied to every socket and engine it makes: for client
     * libraries that take a context but never set parameters themselves (NATS), so that the host-name check holds.
     *
     * @param hostName for a client that resolves the configured host names and connects its sockets to the addresses:
     *                 the name to check the certificate against, given the address (or the host as given)
     * @throws IllegalStateException when TLS is off
     */
    public SSLContext sslContextWithParameters(UnaryOperator<String> hostName) {
        return new ParameterizedSslContext(sslContext(), sslParameters(), hostName);
    }

    /**
     * The factory of the configured trust ({@code tls.ca-file} or {@code tls.trust-store}), for clients that take
     * factories rather than a context (MQTT's HiveMQ client); empty for the JVM's default trust.
     */
    public Optional<TrustManagerFactory> trustManagerFactory() {
        return Optional.ofNullable(trustManagerFactory);
    }

    /** The factory of the configured client (or server) key, for clients that take factories; empty without one. */
    public Optional<KeyManagerFactory> keyManagerFactory() {
        return Optional.ofNullable(keyManagerFactory);
    }

    /** A server's demand for client certificates ({@code tls.client-auth}); {@code NONE} for clients. */
    public ClientAuth clientAuth() {
        return clientAuth;
    }

    /**
     * Parameters for the server side of {@link #sslContext()}: its defaults, asking clients for a certificate as
     * {@link #clientAuth()} says. A new copy on every call.
     *
     * @throws IllegalStateException when TLS is off
     */
    public SSLParameters serverParameters() {
        SSLParameters parameters = sslContext().getDefaultSSLParameters();
        parameters.setWantClientAuth(clientAuth == ClientAuth.OPTIONAL);
        if (clientAuth == ClientAuth.REQUIRED) {
            parameters.setNeedClientAuth(true);
        }
        return parameters;
    }

    public Optional<Path> caFile() {
        return caFile;
    }

    public Optional<Path> trustStore() {
        return trustStore;
    }

    public Optional<Password> trustStorePassword() {
        return trustStorePassword;
    }

    public Optional<Path> keyStore() {
        return keyStore;
    }

    public Optional<Password> keyStorePassword() {
        return keyStorePassword;
    }

    /** {@code tls.key-password}: of the key in {@code tls.key-store} (that of an encrypted key file was used already). */
    public Optional<Password> keyPassword() {
        return keyPassword;
    }

    /** The client's certificate chain, leaf first (from {@code tls.cert-file} or {@code tls.key-store}); may be empty. */
    public List<X509Certificate> certificateChain() {
        return certificateChain;
    }

    /** The client's key read (and decrypted) from {@code tls.key-file}; empty with a key store or none. */
    public Optional<PrivateKey> privateKey() {
        return Optional.ofNullable(privateKey);
    }

    /**
     * The client's key from {@code tls.key-file}, decrypted, as unencrypted PKCS#8 PEM ({@code BEGIN PRIVATE KEY}),
     * for clients that take PEM text rather than a context (Kafka). A {@link Password}: it is as secret as one.
     */
    public Optional<Password> privateKeyPem() {
        return privateKey().map(key -> new Password(Pem.encode("PRIVATE KEY", key.getEncoded())));
    }

    /** The client's certificate chain as PEM text, leaf first; empty when there is none. */
    public String certificateChainPem() {
        StringBuilder pem = new StringBuilder();
        for (X509Certificate certificate : certificateChain) {
            try {
                pem.append(Pem.encode("CERTIFICATE", certificate.getEncoded()));
            } catch (CertificateEncodingException e) {
                throw new IllegalStateException("a certificate read from a file cannot be encoded again", e);
            }
        }
        return pem.toString();
    }

    /** Where trust comes from, for messages: the key that set it, or the JVM's default trust store. */
    String trustSource() {
        return caFile.map(p -> CA_FILE + " '" + p + "'")
                .or(() -> trustStore.map(p -> TRUST_STORE + " '" + p + "'"))
                .orElse("the JVM's default trust store (set " + CA_FILE + " or " + TRUST_STORE + " for a private CA)");
    }

    /** Where the client certificate comes from, for messages. */
    String clientCertificateSource() {
        return certFile.map(p -> CERT_FILE + " '" + p + "'").or(() -> keyStore.map(p -> KEY_STORE + " '" + p + "'"))
                .orElse("none");
    }

    /** Which keys are set, and files; never a password. */
    @Override
    public String toString() {
        if (!enabled) {
            return "TlsSettings[off]";
        }
        StringBuilder sb = new StringBuilder("TlsSettings[on");
        caFile.ifPresent(p -> sb.append(", ca-file ").append(p));
        trustStore.ifPresent(p -> sb.append(", trust-store ").append(p));
        certFile.ifPresent(p -> sb.append(", cert-file ").append(p));
        keyStore.ifPresent(p -> sb.append(", key-store ").append(p));
        if (server) {
            return sb.append(", client-auth ").append(clientAuth.name().toLowerCase(Locale.ROOT)).append(']').toString();
        }
        return sb.append(verifyHostname ? ", verify-hostname" : ", no host-name check").append(']').toString();
    }
}
