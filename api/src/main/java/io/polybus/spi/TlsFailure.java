package io.polybus.spi;

import io.polybus.AuthenticationException;
import io.polybus.PolybusException;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.security.GeneralSecurityException;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns what a TLS connection failure looks like to a client library (an {@code SSLHandshakeException} deep in a
 * cause chain, a closed connection) into one line that names the broker, the address and the cause: the server's
 * certificate is not trusted, has expired or does not name the host; the server wants a client certificate or
 * refused ours; the port does not speak TLS, or speaks only TLS. Shared by every broker module so that the same
 * mistake reads the same everywhere.
 *
 * <p>Stateless and thread-safe. {@link #diagnose} opens a connection of its own; call it on a failure path only.
 */
public final class TlsFailure {
    private static final Pattern ALERT = Pattern.compile("Received fatal alert: (\\w+)");
    private static final Pattern HOST_MISMATCH = Pattern.compile("No (subject alternative (DNS )?names? matching|name matching)");
    /** Alerts a server sends when the client sent no certificate, or one it does not accept. */
    private static final Set<String> CLIENT_CERTIFICATE_ALERTS = Set.of("certificate_required", "bad_certificate",
            "certificate_unknown", "unknown_ca", "handshake_failure", "access_denied", "unsupported_certificate",
            "decrypt_error");

    /** How long a server may take to send its verdict on the client's certificate after the handshake. */
    private static final int VERDICT_MILLIS = 1000;

    private TlsFailure() {
    }

    /**
     * A Polybus exception for {@code error} when it is a TLS failure, naming {@code broker} and {@code address}:
     * an {@link AuthenticationException} when the server refused the client (no client certificate, or one it
     * rejects), otherwise a {@link PolybusException}; neither is retriable. Empty when {@code error} is no TLS
     * failure.
     *
     * @param broker  the broker's name for people, e.g. {@code "Kafka"}
     * @param address where the client connected, e.g. {@code "localhost:9093"}
     */
    public static Optional<PolybusException> explain(Throwable error, TlsSettings tls, String broker, String address) {
        return cause(error, tls).map(c -> c.exception(broker, address, error));
    }

    /**
     * What is wrong with TLS at {@code host:port}, found by connecting once more, for a first connection that failed
     * without a telling exception: a plaintext client on a TLS port, or a TLS client whose certificate the server
     * refuses after a TLS 1.3 handshake, sees only a closed connection or a reset; a TLS client on a plaintext port
     * may see only a timeout. With TLS off, asks whether the port speaks TLS; with TLS on, shakes hands with this
     * broker's context and waits briefly for the server's verdict. Empty when the port is unreachable or TLS is
     * fine: the failure was something else. Blocks up to about twice {@code timeout}; call it on a failure path only.
     */
    public static Optional<PolybusException> diagnose(TlsSettings tls, String broker, String host, int port,
                                                      Duration timeout) {
        String address = host + ":" + port;
        int millis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
        if (!tls.enabled()) {
            if (speaksTls(host, port, millis)) {
                return Optional.of(new PolybusException(broker + " at " + address + " expects TLS on this port and the"
                        + " client spoke plaintext; turn TLS on with " + tls.enabledBy()));
            }
            return Optional.empty();
        }
        try (Socket plain = new Socket()) {
            try {
                plain.connect(new InetSocketAddress(host, port), millis);
            } catch (IOException unreachable) {
                return Optional.empty();
            }
            plain.setSoTimeout(millis);
            try (SSLSocket socket = (SSLSocket) tls.sslContext().getSocketFactory().createSocket(plain, host, port, false)) {
                socket.setSSLParameters(tls.sslParameters());
                try {
                    socket.startHandshake();
                } catch (SocketTimeoutException e) {
                    return Optional.of(new PolybusException(broker + " at " + address + ": TLS handshake failed: the"
                            + " server did not answer it within " + millis + " ms; does it speak TLS on this port?", e));
                } catch (IOException e) {
                    Optional<Cause> cause = cause(e, tls);
                    if ((cause.isEmpty() || cause.get().closed) && !speaksTls(host, port, millis)) {
                        return Optional.of(new PolybusException(broker + " at " + address + ": TLS handshake failed: the"
                                + " server does not speak TLS on this port", e));
                    }
                    // A server that refuses the client's certificate may close before the client has written all of
                    // its part: a broken pipe instead of the alert.
                    return Optional.of(cause.map(c -> c.exception(broker, address, e))
                            .orElseGet(() -> closed(tls, broker, address, "during", e)));
                }
                // TLS 1.3 servers judge the client's certificate after the client finished: their verdict is an alert,
                // or, when the reset of the closing connection overtakes the alert, only the reset.
                socket.setSoTimeout(Math.min(millis, VERDICT_MILLIS));
                try {
                    if (socket.getInputStream().read() < 0) {
                        return Optional.of(closed(tls, broker, address, "right after", null));
                    }
                } catch (SocketTimeoutException e) {
                    return Optional.empty();
                } catch (IOException e) {
                    return explain(e, tls, broker, address).or(() -> Optional.of(closed(tls, broker, address, "right after", e)));
                }
            }
        } catch (IOException e) {
            return explain(e, tls, broker, address);
        }
        return Optional.empty();
    }

    private static PolybusException closed(TlsSettings tls, String broker, String address, String when, IOException e) {
        String prefix = broker + " at " + address + ": the server closed the connection " + when + " the TLS handshake";
        if (!tls.hasClientCertificate()) {
            return new PolybusException(prefix + "; does it require a client certificate? set " + TlsSettings.CERT_FILE
                    + " and " + TlsSettings.KEY_FILE + ", or " + TlsSettings.KEY_STORE, e);
        }
        Instant notAfter = tls.certificateChain().get(0).getNotAfter().toInstant();
        if (notAfter.isBefore(Instant.now())) {
            return new AuthenticationException(prefix + ": the client certificate expired on " + notAfter + " ("
                    + tls.clientCertificateSource() + ")", e);
        }
        return new PolybusException(prefix + "; does it refuse the client certificate (" + tls.clientCertificateSource()
                + ")?", e);
    }

    /** Whether the server at {@code host:port} answers a TLS ClientHello with a certificate. Trusts nothing. */
    private static boolean speaksTls(String host, int port, int millis) {
        AtomicBoolean sawCertificate = new AtomicBoolean();
        TrustManager recorder = new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
                throw new CertificateException("a probe trusts no one");
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
                sawCertificate.set(true);
                throw new CertificateException("a probe trusts no one");
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
        try (Socket plain = new Socket()) {
            plain.connect(new InetSocketAddress(host, port), millis);
            plain.setSoTimeout(millis);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {recorder}, null);
            try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(plain, host, port, false)) {
                socket.startHandshake();
            }
        } catch (IOException | GeneralSecurityException e) {
            // The probe always ends in a failure: what counts is whether a certificate came first.
        }
        return sawCertificate.get();
    }

    /**
     * @param closed the server closed the connection without saying why: a client that knows the port can ask
     *               whether it speaks TLS at all
     */
    private record Cause(String text, boolean clientRefused, boolean closed) {
        Cause(String text, boolean clientRefused) {
            this(text, clientRefused, false);
        }

        PolybusException exception(String broker, String address, Throwable error) {
            String message = broker + " at " + address + ": TLS handshake failed: " + text;
            return clientRefused ? new AuthenticationException(message, error) : new PolybusException(message, error);
        }
    }

    private static Optional<Cause> cause(Throwable error, TlsSettings tls) {
        CertificateExpiredException expired = null;
        boolean validityExpired = false;
        CertificateNotYetValidException notYetValid = null;
        boolean untrusted = false;
        String hostMismatch = null;
        String alert = null;
        boolean notTls = false;
        boolean closed = false;
        SSLException ssl = null;
        int depth = 0;
        for (Throwable t = error; t != null && depth < 32; t = t.getCause(), depth++) {
            String message = String.valueOf(t.getMessage());
            if (t instanceof CertificateExpiredException e) {
                expired = e;
            } else if (t instanceof CertificateNotYetValidException e) {
                notYetValid = e;
            } else if (t instanceof CertPathValidatorException v
                    && v.getReason() == CertPathValidatorException.BasicReason.EXPIRED) {
                validityExpired = true;
            } else if (t instanceof CertPathBuilderException) {
                untrusted = true;
            } else if (t instanceof CertificateException && HOST_MISMATCH.matcher(message).find()) {
                hostMismatch = message;
            }
            if (t instanceof SSLException s) {
                ssl = ssl == null ? s : ssl;
                Matcher m = ALERT.matcher(message);
                if (m.find() && alert == null) {
                    alert = m.group(1);
                }
                if (message.contains("Unsupported or unrecognized SSL message") || message.contains("plaintext connection")) {
                    notTls = true;
                }
                if (message.contains("Remote host terminated the handshake")) {
                    closed = true;
                }
            } else if (ssl != null && (t instanceof EOFException || t instanceof SocketException)) {
                closed = true;
            }
        }
        if (expired != null || validityExpired) {
            return Optional.of(new Cause("the server's certificate has expired"
                    + (expired == null ? "" : " (" + expired.getMessage() + ")"), false));
        }
        if (notYetValid != null) {
            return Optional.of(new Cause("the server's certificate is not valid yet (" + notYetValid.getMessage() + ")",
                    false));
        }
        if (untrusted) {
            return Optional.of(new Cause("the server's certificate is not signed by a CA in " + tls.trustSource(), false));
        }
        if (hostMismatch != null) {
            return Optional.of(new Cause("the server's certificate does not name the host connected to (" + hostMismatch
                    + "); connect by a name it holds, or set " + TlsSettings.VERIFY_HOSTNAME + ": false", false));
        }
        if (alert != null) {
            return Optional.of(alert(alert, tls));
        }
        if (notTls) {
            return Optional.of(new Cause("the server does not speak TLS on this port", false));
        }
        if (ssl == null) {
            return Optional.empty();
        }
        if (closed) {
            return Optional.of(new Cause("the server closed the connection during the handshake; does it speak TLS on"
                    + " this port" + (tls.hasClientCertificate() ? "?" : ", and does it require a client certificate"
                    + " (set " + TlsSettings.CERT_FILE + " and " + TlsSettings.KEY_FILE + ", or " + TlsSettings.KEY_STORE
                    + ")?"), false, true));
        }
        return Optional.of(new Cause(firstLine(ssl.getMessage()), false));
    }

    private static Cause alert(String alert, TlsSettings tls) {
        if (!tls.hasClientCertificate() && CLIENT_CERTIFICATE_ALERTS.contains(alert)) {
            return new Cause("the server requires a client certificate and none is configured (alert " + alert
                    + "); set " + TlsSettings.CERT_FILE + " and " + TlsSettings.KEY_FILE + ", or " + TlsSettings.KEY_STORE,
                    true);
        }
        if (tls.hasClientCertificate()) {
            List<X509Certificate> chain = tls.certificateChain();
            Instant notAfter = chain.get(0).getNotAfter().toInstant();
            if (notAfter.isBefore(Instant.now())) {
                return new Cause("the server refused the client certificate (alert " + alert + "): it expired on "
                        + notAfter + " (" + tls.clientCertificateSource() + ")", true);
            }
            if (alert.equals("certificate_expired")) {
                return new Cause("the server refused the client certificate as expired (" + tls.clientCertificateSource()
                        + ")", true);
            }
            if (CLIENT_CERTIFICATE_ALERTS.contains(alert)) {
                return new Cause("the server refused the client certificate (alert " + alert + "; is "
                        + tls.clientCertificateSource() + " signed by a CA the server trusts?)", true);
            }
        }
        if (alert.equals("protocol_version")) {
            return new Cause("the server and the client have no TLS version in common (alert protocol_version)", false);
        }
        return new Cause("the server ended the handshake with alert " + alert, false);
    }

    private static String firstLine(String s) {
        String text = String.valueOf(s);
        int nl = text.indexOf('\n');
        return nl < 0 ? text : text.substring(0, nl);
    }
}
