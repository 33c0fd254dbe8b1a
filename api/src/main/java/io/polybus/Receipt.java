package io.polybus;

/**
 * What the broker said when it accepted a message.
 *
 * @param topic     the topic the message went to
 * @param messageId the id consumers see for this message: its own id, or the broker's when the producer does not
 *                  carry ids ({@link ProducerOptions#carryIds()})
 * @param position  where the broker stored it, in the broker's own terms (Kafka {@code partition@offset},
 *                  a Redis stream entry id, ...); for logs and diagnostics, not for parsing
 */
public record Receipt(String topic, String messageId, String position) {
}
