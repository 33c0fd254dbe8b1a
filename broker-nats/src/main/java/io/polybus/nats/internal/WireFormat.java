package io.polybus.nats.internal;

import io.nats.client.impl.Headers;
import io.polybus.Message;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * How a message travels as a NATS message: the payload as the NATS payload, byte for byte, and the rest as NATS
 * headers, so that other NATS clients read Polybus messages and Polybus reads theirs.
 * <ul>
 *   <li>{@code Polybus-Id}: the id given to the message (without one, consumers see
 *       {@code <topic>@<stream sequence>}, which the send's receipt names);</li>
 *   <li>{@code Polybus-Time}: the timestamp given to the message, epoch milliseconds (without one, consumers see
 *       the time the stream stored the message);</li>
 *   <li>{@code Polybus-Key}: the key, base64 (the key is bytes; a NATS header is ASCII);</li>
 *   <li>every header whose name and value NATS can carry as they are (printable ASCII names without {@code :}, not
 *       starting with {@code Polybus-}; ASCII values without CR, LF or surrounding blanks) as itself; any other as a
 *       {@code Polybus-Header} value {@code <name>=<value>}, both percent-encoded UTF-8.</li>
 * </ul>
 */
final class WireFormat {
    static final String ID = "Polybus-Id";
    static final String TIME = "Polybus-Time";
    static final String KEY = "Polybus-Key";
    static final String HEADER = "Polybus-Header";
    private static final String RESERVED = "polybus-";
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private WireFormat() {
    }

    /**
     * The NATS headers of {@code message}, or null for none. The id and the timestamp travel only when they were
     * given to the message: without them consumers see the stream's sequence and the time it stored the message,
     * and a message without key and headers travels as a bare NATS message, as a raw client would send it.
     */
    static Headers headers(Message message) {
        byte[] key = message.unsafeKey();
        Map<String, String> headers = message.headers();
        boolean id = message.hasGivenId();
        boolean time = message.hasGivenTimestamp();
        if (!id && !time && key == null && headers.isEmpty()) {
            return null;
        }
        Headers h = new Headers();
        if (id) {
            h.put(ID, message.id());
        }
        if (time) {
            h.put(TIME, Long.toString(message.timestampMillis()));
        }
        if (key != null) {
            h.put(KEY, Base64.getEncoder().encodeToString(key));
        }
        if (!headers.isEmpty()) {
            for (Map.Entry<String, String> e : headers.entrySet()) {
                if (plainName(e.getKey()) && plainValue(e.getValue())) {
                    h.add(e.getKey(), e.getValue());
                } else {
                    h.add(HEADER, percent(e.getKey()) + "=" + percent(e.getValue()));
                }
            }
        }
        return h;
    }

    /**
     * The message of a NATS message read from {@code topic}; one that carries no id or timestamp gets
     * {@code <topic>@<stream sequence>} and the time the stream stored it.
     */
    static Message decode(String topic, Headers h, byte[] data, AckSubject delivery) {
        Message.Builder b = Message.builder(topic).unsafePayload(data == null ? new byte[0] : data);
        String id = null;
        long millis = -1;
        if (h != null && !h.isEmpty()) {
            for (Map.Entry<String, List<String>> e : h.entrySet()) {
                String name = e.getKey();
                List<String> values = e.getValue();
                if (values.isEmpty()) {
                    continue;
                }
                String value = values.get(0);
                switch (name) {
                    case ID -> id = value;
                    case TIME -> millis = parseMillis(value);
                    case KEY -> b.unsafeKey(Base64.getDecoder().decode(value));
                    case HEADER -> values.forEach(v -> decodeHeader(b, v));
                    default -> b.header(name, value);
                }
            }
        }
        return b.id(id != null ? id : NatsReceipt.brokerId(topic, delivery.streamSequence()))
                .timestampMillis(millis >= 0 ? millis : delivery.timestampNanos() / 1_000_000).build();
    }

    private static long parseMillis(String value) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static void decodeHeader(Message.Builder b, String encoded) {
        int eq = encoded.indexOf('=');
        if (eq > 0) {
            b.header(unpercent(encoded.substring(0, eq)), unpercent(encoded.substring(eq + 1)));
        }
    }

    private static boolean plainName(String name) {
        if (name.isEmpty() || name.regionMatches(true, 0, RESERVED, 0, RESERVED.length())) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < 33 || c > 126 || c == ':') {
                return false;
            }
        }
        return true;
    }

    private static boolean plainValue(String value) {
        int n = value.length();
        if (n == 0 || value.charAt(0) <= ' ' || value.charAt(n - 1) <= ' ') {
            return false;
        }
        for (int i = 0; i < n; i++) {
            char c = value.charAt(i);
            if (c < 32 || c > 126) {
                return false;
            }
        }
        return true;
    }

    /** Percent-encodes everything but letters, digits and {@code -._~}. */
    static String percent(String text) {
        StringBuilder sb = new StringBuilder(text.length() + 16);
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_'
                    || c == '~') {
                sb.append((char) c);
            } else {
                sb.append('%').append(HEX[c >> 4]).append(HEX[c & 0xf]);
            }
        }
        return sb.toString();
    }

    static String unpercent(String text) {
        if (text.indexOf('%') < 0) {
            return text;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '%' && i + 2 < text.length()) {
                out.write(Integer.parseInt(text.substring(i + 1, i + 3).toLowerCase(Locale.ROOT), 16));
                i += 2;
            } else {
                out.write(c);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
