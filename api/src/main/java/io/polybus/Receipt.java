package io.polybus;

/**
 * What the broker said when it accepted a message.
 *
 * @param topic     the topic the message went to
 * @param messageId the message's id
 * @param position  where the broker stored it, in the broker's own terms (Kafka {@code partition@offset},
 *                  a Redis stream entry id, ...); for logs and diagnostics, not for parsing
 */
public record Receipt(String topic, String messageId, String position) {
}
