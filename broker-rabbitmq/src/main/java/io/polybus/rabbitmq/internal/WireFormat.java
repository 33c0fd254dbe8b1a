package io.polybus.rabbitmq.internal;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.LongString;
import com.rabbitmq.client.impl.LongStringHelper;
import io.polybus.Message;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * How a {@link Message} travels as an AMQP message: payload as the body, id as {@code message-id}, headers as
 * long-string headers, the key (binary-safe) and the millisecond timestamp in {@code polybus.*} headers. The
 * routing key is the key when it is valid UTF-8 of at most 255 bytes (so bindings can route by key), else empty.
 */
final class WireFormat {
    static final String KEY_HEADER = "polybus.key";
    static final String TIMESTAMP_HEADER = "polybus.timestamp";
    /** The attempt a re-published copy (a requeue on a classic queue) starts at. */
    static final String ATTEMPT_HEADER = "polybus.attempt";
    /** When a delayed requeue longer than the longest delay queue is due (epoch millis, the consumer's clock). */
    static final String DUE_HEADER = "polybus.due";
    /** Set by quorum queues: how many times the message was returned to the queue. */
    static final String DELIVERY_COUNT_HEADER = "x-delivery-count";

    private static final Set<String> NOT_USER_HEADERS = Set.of(KEY_HEADER, TIMESTAMP_HEADER, ATTEMPT_HEADER,
            DUE_HEADER, DELIVERY_COUNT_HEADER, "x-death", "x-first-death-exchange", "x-first-death-queue", "x-first-death-reason",
            "x-last-death-exchange", "x-last-death-queue", "x-last-death-reason");
    private static final int MAX_ROUTING_KEY_BYTES = 255;

    private WireFormat() {
    }

    static AMQP.BasicProperties properties(Message message, boolean persistent, int attempt) {
        Map<String, String> userHeaders = message.headers();
        Map<String, Object> headers = new HashMap<>(userHeaders.size() * 2 + 4);
        headers.putAll(userHeaders);
        byte[] key = message.unsafeKey();
        if (key != null) {
            headers.put(KEY_HEADER, LongStringHelper.asLongString(key));
        }
        headers.put(TIMESTAMP_HEADER, message.timestampMillis());
        if (attempt > 1) {
            headers.put(ATTEMPT_HEADER, attempt);
        }
        return new AMQP.BasicProperties.Builder()
                .deliveryMode(persistent ? 2 : 1)
                .messageId(message.id())
                .headers(headers)
                .build();
    }

    static String routingKey(Message message) {
        byte[] key = message.unsafeKey();
        if (key == null || key.length > MAX_ROUTING_KEY_BYTES) {
            return "";
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(key)).toString();
        } catch (CharacterCodingException e) {
            return "";
        }
    }

    static Message message(String topic, AMQP.BasicProperties properties, byte[] body) {
        Message.Builder b = Message.builder(topic).unsafePayload(body);
        Map<String, Object> headers = properties.getHeaders();
        if (headers != null) {
            for (Map.Entry<String, Object> h : headers.entrySet()) {
                Object v = h.getValue();
                if (!NOT_USER_HEADERS.contains(h.getKey()) && (v instanceof LongString || v instanceof String)) {
                    b.header(h.getKey(), v.toString());
                }
            }
            if (headers.get(KEY_HEADER) instanceof LongString key) {
                b.unsafeKey(key.getBytes());
            }
            if (headers.get(TIMESTAMP_HEADER) instanceof Number ts) {
                b.timestampMillis(ts.longValue());
            }
        }
        if (properties.getMessageId() != null) {
            b.id(properties.getMessageId());
        }
        return b.build();
    }

    /**
     * The attempt number of a delivery: on quorum queues the broker's delivery count + 1; on classic queues
     * the attempt a re-published copy carries, + 1 when the broker flags a redelivery (a consumer closed or
     * its connection was lost before settling it).
     */
    static int attempt(AMQP.BasicProperties properties, boolean redelivered) {
        Map<String, Object> headers = properties.getHeaders();
        if (headers != null && headers.get(DELIVERY_COUNT_HEADER) instanceof Number count) {
            return saturatedAdd(count.longValue(), attemptHeader(headers));
        }
        int base = headers == null ? 1 : attemptHeader(headers);
        return redelivered ? saturatedAdd(base, 1) : base;
    }

    /** When a delivery that waited in the longest delay queue is due (epoch millis), or 0 when it carries none. */
    static long due(AMQP.BasicProperties properties) {
        Map<String, Object> headers = properties.getHeaders();
        return headers != null && headers.get(DUE_HEADER) instanceof Number due ? due.longValue() : 0;
    }

    private static int attemptHeader(Map<String, Object> headers) {
        return headers.get(ATTEMPT_HEADER) instanceof Number n ? Math.max(1, n.intValue()) : 1;
    }

    private static int saturatedAdd(long a, long b) {
        return (int) Math.min(Integer.MAX_VALUE, a + b);
    }
}
