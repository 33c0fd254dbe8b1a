package io.polybus;

import java.util.Map;

/**
 * The headers a dead-lettered message carries, next to all of its original headers, key and payload.
 * Every broker module uses these names; some add broker-specific ones (e.g. Kafka partition and offset).
 */
public final class DeadLetter {
    /** The topic the message was first sent to. */
    public static final String ORIGINAL_TOPIC = "polybus.dlq.original-topic";
    /** The group that gave up on it. */
    public static final String GROUP = "polybus.dlq.group";
    /** How many deliveries were made. */
    public static final String ATTEMPTS = "polybus.dlq.attempts";
    /** The last error or reject reason. */
    public static final String ERROR = "polybus.dlq.error";
    /** When it was dead-lettered, epoch milliseconds. */
    public static final String TIMESTAMP = "polybus.dlq.timestamp";

    private DeadLetter() {
    }

    /**
     * The dead-letter copy of {@code original}: same id, key, payload and headers, addressed to
     * {@code deadLetterTopic}, plus the headers above and {@code extra}.
     */
    public static Message of(Message original, String deadLetterTopic, String group, int attempts, String error,
                             Map<String, String> extra) {
        Message.Builder b = Message.builder(deadLetterTopic)
                .key(original.unsafeKey())
                .payload(original.unsafePayload())
                .headers(original.headers())
                .id(original.id())
                .timestampMillis(original.timestampMillis())
                .header(ORIGINAL_TOPIC, original.topic())
                .header(GROUP, group)
                .header(ATTEMPTS, Integer.toString(attempts))
                .header(ERROR, error == null ? "" : error)
                .header(TIMESTAMP, Long.toString(System.currentTimeMillis()));
        extra.forEach(b::header);
        return b.build();
    }
}
