package io.polybus.kafka.internal;

import io.polybus.DeadLetter;
import io.polybus.Message;
import io.polybus.spi.AbstractAcknowledgement;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.time.Duration;

/**
 * Settles one Kafka delivery. ACK marks its offset settled; REQUEUE publishes a copy with attempt + 1 to the
 * group's retry topic (with a delay: to its delay topic, saying when it is due) and marks the offset settled once Kafka has the copy; a dead letter does the same with
 * the dead-letter topic. Until then the offset holds back the partition's commit, so a crash in between
 * redelivers the message rather than losing it.
 */
final class KafkaAcknowledgement extends AbstractAcknowledgement {
    final ConsumerRecord<byte[], byte[]> record;
    final long offset;
    /** Guarded by the tracker's lock. */
    boolean done;
    private final OffsetTracker tracker;
    private final KafkaMessageConsumer consumer;

    KafkaAcknowledgement(ConsumerRecord<byte[], byte[]> record, OffsetTracker tracker, KafkaMessageConsumer consumer) {
        super(consumer.isRetry(record) ? Records.attempt(record) : 1, consumer.options, consumer.counters);
        this.record = record;
        this.offset = record.offset();
        this.tracker = tracker;
        this.consumer = consumer;
    }

    int attempt() {
        return attempt;
    }

    @Override
    protected void onAck() {
        tracker.settled(this);
        consumer.released();
    }

    @Override
    protected void onRequeue(String reason) {
        Message message = Records.toMessage(record, consumer.options.topic());
        publish(Records.retry(message, record, consumer.retryTopic, attempt + 1), "requeue");
    }

    @Override
    protected void onRequeue(String reason, Duration delay) {
        Message message = Records.toMessage(record, consumer.options.topic());
        publish(Records.delayed(message, record, consumer.delayTopic, consumer.delayTiers(), attempt + 1, delay),
                "delayed requeue");
    }

    @Override
    protected void onDeadLetter(String deadLetterTopic, String reason) {
        Message message = Records.toMessage(record, consumer.options.topic());
        Message letter = DeadLetter.of(message, deadLetterTopic, consumer.options.group(), attempt, reason,
                Records.origin(record));
        publish(Records.toRecord(letter), "dead-letter");
    }

    private void publish(ProducerRecord<byte[], byte[]> copy, String what) {
        consumer.released();
        consumer.republish(copy, what, record, () -> tracker.settled(this));
    }
}
