package io.polybus.kafka.internal;

import io.polybus.PolybusException;
import io.polybus.spi.TlsFailure;
import io.polybus.spi.TlsSettings;

import javax.net.ssl.SSLSocket;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Asks a Kafka listener what it expects when a client got no answer: a listener closes the connection of a client
 * that speaks the wrong protocol (plaintext to TLS, no SASL to SASL), and kafka-clients only retries until its
 * timeout. First TLS ({@link TlsFailure#diagnose}), then SASL: a SaslHandshake request, which a SASL listener
 * answers with its mechanisms and any other with ILLEGAL_SASL_STATE. For a failed open only.
 */
final class ListenerProbe {
    private static final short SASL_HANDSHAKE = 17;
    private static final short VERSION = 1;
    private static final short NONE = 0;
    private static final short UNSUPPORTED_SASL_MECHANISM = 33;
    private static final short ILLEGAL_SASL_STATE = 34;

    private ListenerProbe() {
    }

    /** What the first bootstrap server's listener expects that this client does not do; empty when nothing is found. */
    static Optional<PolybusException> diagnose(KafkaSettings settings) {
        String server = settings.bootstrapServers().get(0);
        int colon = server.lastIndexOf(':');
        if (colon < 0) {
            return Optional.empty();
        }
        String host = server.substring(0, colon).replace("[", "").replace("]", "");
        int port;
        try {
            port = Integer.parseInt(server.substring(colon + 1));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        Duration timeout = settings.connectTimeout().compareTo(Duration.ofSeconds(5)) < 0 ? settings.connectTimeout()
                : Duration.ofSeconds(5);
        TlsSettings tls = settings.tls();
        Optional<PolybusException> tlsProblem = TlsFailure.diagnose(tls, "Kafka", host, port, timeout);
        if (tlsProblem.isPresent()) {
            return tlsProblem;
        }
        Optional<List<String>> mechanisms = saslMechanisms(tls, host, port, timeout, settings.saslMechanism());
        if (mechanisms.isEmpty()) {
            return Optional.empty();
        }
        String address = host + ":" + port;
        boolean listenerSasl = !mechanisms.get().isEmpty();
        if (listenerSasl && !settings.sasl()) {
            return Optional.of(new PolybusException("Kafka at " + address + " expects SASL authentication on this listener"
                    + " (mechanisms " + String.join(", ", mechanisms.get()) + ") and the client sent none; set "
                    + KafkaSettings.SECURITY_PROTOCOL + " " + (tls.enabled() ? "SASL_SSL" : "SASL_PLAINTEXT") + " with "
                    + KafkaSettings.SASL_MECHANISM + ", " + KafkaSettings.SASL_USERNAME + " and "
                    + KafkaSettings.SASL_PASSWORD));
        }
        if (!listenerSasl && settings.sasl()) {
            return Optional.of(new PolybusException("Kafka at " + address + " takes no SASL authentication on this"
                    + " listener; set " + KafkaSettings.SECURITY_PROTOCOL + " " + (tls.enabled() ? "SSL" : "PLAINTEXT")));
        }
        return Optional.empty();
    }

    /**
     * The SASL mechanisms the listener offers, empty for a listener without SASL; no answer (closed, timed out, not
     * Kafka) is an empty Optional.
     */
    private static Optional<List<String>> saslMechanisms(TlsSettings tls, String host, int port, Duration timeout,
                                                         String mechanism) {
        int millis = (int) Math.max(1, timeout.toMillis());
        try (Socket plain = new Socket()) {
            plain.connect(new InetSocketAddress(host, port), millis);
            plain.setSoTimeout(millis);
            Socket socket = plain;
            if (tls.enabled()) {
                SSLSocket ssl = (SSLSocket) tls.sslContext().getSocketFactory().createSocket(plain, host, port, true);
                ssl.setSSLParameters(tls.sslParameters());
                ssl.startHandshake();
                socket = ssl;
            }
            return Optional.ofNullable(exchange(socket.getOutputStream(), socket.getInputStream(), mechanism));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static List<String> exchange(OutputStream out, InputStream in, String mechanism) throws IOException {
        byte[] clientId = "polybus-probe".getBytes(StandardCharsets.UTF_8);
        byte[] name = mechanism.getBytes(StandardCharsets.UTF_8);
        int correlationId = 0x504f4c59;
        DataOutputStream request = new DataOutputStream(out);
        request.writeInt(2 + 2 + 4 + 2 + clientId.length + 2 + name.length);
        request.writeShort(SASL_HANDSHAKE);
        request.writeShort(VERSION);
        request.writeInt(correlationId);
        request.writeShort(clientId.length);
        request.write(clientId);
        request.writeShort(name.length);
        request.write(name);
        request.flush();

        DataInputStream response = new DataInputStream(in);
        int size = response.readInt();
        if (size < 10 || size > 64 * 1024 || response.readInt() != correlationId) {
            return null;
        }
        short error = response.readShort();
        int count = response.readInt();
        List<String> mechanisms = new ArrayList<>();
        for (int i = 0; i < count && i < 64; i++) {
            byte[] text = new byte[response.readUnsignedShort()];
            response.readFully(text);
            mechanisms.add(new String(text, StandardCharsets.UTF_8));
        }
        if (error == ILLEGAL_SASL_STATE) {
            return List.of();
        }
        return error == NONE || error == UNSUPPORTED_SASL_MECHANISM ? mechanisms : null;
    }
}
