package io.polybus.mqtt.internal;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.datatypes.MqttTopic;
import com.hivemq.client.mqtt.datatypes.MqttUtf8String;
import com.hivemq.client.mqtt.mqtt5.datatypes.Mqtt5UserProperties;
import com.hivemq.client.mqtt.mqtt5.datatypes.Mqtt5UserPropertiesBuilder;
import com.hivemq.client.mqtt.mqtt5.datatypes.Mqtt5UserProperty;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.polybus.Message;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * How a Polybus message travels as an MQTT 5 PUBLISH, so that other MQTT clients can read it too: the payload is
 * the payload, QoS 1, and everything else is a user property. The id goes in {@value #ID}, the timestamp (epoch
 * milliseconds) in {@value #TIMESTAMP}, the key in {@value #KEY} and each header under its own name.
 *
 * <p>MQTT strings must be well-formed UTF-8 without U+0000, and Mosquitto closes the connection of a client that
 * sends control characters (U+0001 to U+001F, U+007F to U+009F) or non-characters in one. A key that is not such a
 * clean string (binary keys, for one) goes base64-encoded in {@value #KEY_BASE64}; a header whose name or value is
 * not clean goes as {@value #HEADER_BASE64} = {@code base64(name):base64(value)}. Topics cannot be encoded, so a
 * topic with such characters is refused at send.
 *
 * <p>Requeued copies carry the attempt they will be delivered as in {@value #ATTEMPT}. Stateless and thread-safe.
 */
final class WireFormat {
    static final String ID = "polybus.id";
    static final String TIMESTAMP = "polybus.timestamp";
    static final String KEY = "polybus.key";
    static final String KEY_BASE64 = "polybus.key-base64";
    static final String HEADER_BASE64 = "polybus.header-base64";
    static final String ATTEMPT = "polybus.attempt";

    private static final MqttUtf8String ID_NAME = MqttUtf8String.of(ID);
    private static final MqttUtf8String TIMESTAMP_NAME = MqttUtf8String.of(TIMESTAMP);
    private static final MqttUtf8String KEY_NAME = MqttUtf8String.of(KEY);
    private static final MqttUtf8String KEY_BASE64_NAME = MqttUtf8String.of(KEY_BASE64);
    private static final MqttUtf8String HEADER_BASE64_NAME = MqttUtf8String.of(HEADER_BASE64);
    private static final MqttUtf8String ATTEMPT_NAME = MqttUtf8String.of(ATTEMPT);

    private WireFormat() {
    }

    /** The PUBLISH of {@code message} to {@code topic}; {@code attempt} above 1 is carried, 1 is left out. */
    static Mqtt5Publish publish(MqttTopic topic, Message message, int attempt) {
        Mqtt5UserPropertiesBuilder p = Mqtt5UserProperties.builder();
        p.add(Mqtt5UserProperty.of(ID_NAME, utf8(message.id(), "message id")));
        p.add(Mqtt5UserProperty.of(TIMESTAMP_NAME, MqttUtf8String.of(Long.toString(message.timestampMillis()))));
        byte[] key = message.unsafeKey();
        if (key != null) {
            String text = cleanText(key);
            if (text != null) {
                p.add(Mqtt5UserProperty.of(KEY_NAME, MqttUtf8String.of(text)));
            } else {
                p.add(Mqtt5UserProperty.of(KEY_BASE64_NAME, MqttUtf8String.of(Base64.getEncoder().encodeToString(key))));
            }
        }
        Map<String, String> headers = message.headers();
        if (!headers.isEmpty()) {
            for (Map.Entry<String, String> h : headers.entrySet()) {
                if (isClean(h.getKey()) && isClean(h.getValue()) && !isReserved(h.getKey())) {
                    p.add(h.getKey(), h.getValue());
                } else {
                    p.add(Mqtt5UserProperty.of(HEADER_BASE64_NAME, MqttUtf8String.of(base64(h.getKey()) + ":" + base64(h.getValue()))));
                }
            }
        }
        if (attempt > 1) {
            p.add(Mqtt5UserProperty.of(ATTEMPT_NAME, MqttUtf8String.of(Integer.toString(attempt))));
        }
        return Mqtt5Publish.builder().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(message.unsafePayload())
                .userProperties(p.build()).build();
    }

    /** A message read from a PUBLISH, with the attempt its properties name (1 when none). */
    record Decoded(Message message, int attempt) {
    }

    /**
     * Reads a PUBLISH as a message of {@code topic} (the subscribed topic, also for requeued copies that came by
     * the group's retry topic). A PUBLISH without an id (sent by another MQTT client) gets a new one.
     */
    static Decoded decode(String topic, Mqtt5Publish publish) {
        Message.Builder b = Message.builder(topic).unsafePayload(publish.getPayloadAsBytes());
        int attempt = 1;
        List<? extends Mqtt5UserProperty> properties = publish.getUserProperties().asList();
        for (Mqtt5UserProperty property : properties) {
            String name = property.getName().toString();
            String value = property.getValue().toString();
            switch (name) {
                case ID -> b.id(value);
                case TIMESTAMP -> b.timestampMillis(Long.parseLong(value));
                case KEY -> b.unsafeKey(value.getBytes(StandardCharsets.UTF_8));
                case KEY_BASE64 -> b.unsafeKey(Base64.getDecoder().decode(value));
                case ATTEMPT -> attempt = Math.max(1, Integer.parseInt(value));
                case HEADER_BASE64 -> {
                    int colon = value.indexOf(':');
                    b.header(unbase64(value.substring(0, colon)), unbase64(value.substring(colon + 1)));
                }
                default -> b.header(name, value);
            }
        }
        return new Decoded(b.build(), attempt);
    }

    /**
     * Whether {@code topic} can be an MQTT topic name: not empty, no wildcards, no characters Mosquitto refuses.
     *
     * @return null when it can, else why not
     */
    static String topicProblem(String topic) {
        if (topic.isEmpty()) {
            return "MQTT topics must not be empty";
        }
        if (topic.indexOf('+') >= 0 || topic.indexOf('#') >= 0) {
            return "MQTT topic names must not contain the wildcards + and #";
        }
        if (topic.startsWith("$")) {
            return "MQTT topics starting with $ belong to the server";
        }
        if (!isClean(topic)) {
            return "MQTT topics must be UTF-8 without control characters";
        }
        if (topic.getBytes(StandardCharsets.UTF_8).length > 65_535) {
            return "MQTT topics are at most 65,535 bytes";
        }
        return null;
    }

    private static MqttUtf8String utf8(String text, String what) {
        if (!isClean(text)) {
            throw new IllegalArgumentException(what + " '" + text + "' has characters MQTT strings cannot carry");
        }
        return MqttUtf8String.of(text);
    }

    private static boolean isReserved(String name) {
        return name.equals(ID) || name.equals(TIMESTAMP) || name.equals(KEY) || name.equals(KEY_BASE64)
                || name.equals(HEADER_BASE64) || name.equals(ATTEMPT);
    }

    /** Well-formed, without U+0000, control characters or non-characters: what every MQTT server accepts. */
    static boolean isClean(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || (c >= 0xfdd0 && c <= 0xfdef) || c == 0xfffe || c == 0xffff) {
                return false;
            }
            if (Character.isHighSurrogate(c)) {
                if (i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) {
                    return false;
                }
                int cp = Character.toCodePoint(c, s.charAt(++i));
                if ((cp & 0xfffe) == 0xfffe) {
                    return false;
                }
            } else if (Character.isLowSurrogate(c)) {
                return false;
            }
        }
        return true;
    }

    /** The key as a clean string when it is one, else null. */
    private static String cleanText(byte[] key) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(key)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
        return isClean(text) ? text : null;
    }

    private static String base64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String unbase64(String s) {
        return new String(Base64.getDecoder().decode(s), StandardCharsets.UTF_8);
    }
}
