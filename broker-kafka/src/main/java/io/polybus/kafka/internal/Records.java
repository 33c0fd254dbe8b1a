package io.polybus.kafka.internal;

import io.polybus.Message;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/**
 * Messages to Kafka records and back. Message headers become record headers (values in UTF-8); an id given to the
 * message, and on retry copies the attempt, where the message was first read and (on delayed ones) when it is due,
 * travel in headers of their own that are taken off again on the way in. A record without an id header gets the
 * broker's id, {@code <topic>-<partition>@<offset>}; retry and dead-letter copies carry the id they were delivered
 * with, so a message keeps one id wherever it goes.
 */
final class Records {
    /** The message id. */
    static final String ID = "polybus.id";
    /** The attempt a retry copy is delivered as (absent on first delivery). */
    static final String ATTEMPT = "polybus.attempt";
    /** On retry copies: the message's own timestamp (the record carries the time of the retry). */
    static final String TIMESTAMP = "polybus.timestamp";
    /** On retry copies: partition and offset of the message in its original topic. */
    static final String ORIGIN_PARTITION = "polybus.origin.partition";
    static final String ORIGIN_OFFSET = "polybus.origin.offset";
    /** On delayed retry copies: when the copy is due, in milliseconds since the epoch. */
    static final String DUE = "polybus.due";
    /** Partitions of a delay topic: tier i holds delays below {@code 500 ms * 2^i}, the last one every longer delay. */
    static final int DELAY_TIERS = 12;
    private static final long FIRST_TIER_MILLIS = 500;

    /** Partition and offset headers of a dead letter (next to {@link io.polybus.DeadLetter}'s). */
    static final String DLQ_PARTITION = "polybus.dlq.partition";
    static final String DLQ_OFFSET = "polybus.dlq.offset";

    private static final byte[] EMPTY = new byte[0];

    private Records() {
    }

    /** The record for {@code message}, with its id in a header when it was given one ({@link Message#hasGivenId()}). */
    static ProducerRecord<byte[], byte[]> toRecord(Message message) {
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(message.topic(), null, message.timestampMillis(),
                message.unsafeKey(), message.unsafePayload(), (Iterable<Header>) null);
        addHeaders(record.headers(), message);
        return record;
    }

    private static void addHeaders(Headers headers, Message message) {
        Map<String, String> own = message.headers();
        if (!own.isEmpty()) {
            for (Map.Entry<String, String> e : own.entrySet()) {
                headers.add(new RecordHeader(e.getKey(), e.getValue().getBytes(StandardCharsets.UTF_8)));
            }
        }
        if (message.hasGivenId()) {
            headers.add(new RecordHeader(ID, message.id().getBytes(StandardCharsets.UTF_8)));
        }
    }

    /** Where a record is stored, as receipts show it: {@code <partition>@<offset>}. */
    static String position(int partition, long offset) {
        return partition + "@" + offset;
    }

    /** The id of a record that carries none: {@code <topic>-<partition>@<offset>}. */
    static String brokerId(String topic, String position) {
        return topic + "-" + position;
    }

    /**
     * The copy of a delivered message that a requeue publishes to {@code retryTopic}: same key, payload,
     * headers and id, delivered next as {@code attempt}.
     */
    static ProducerRecord<byte[], byte[]> retry(Message message, ConsumerRecord<byte[], byte[]> from, String retryTopic,
                                                int attempt) {
        RecordHeaders headers = new RecordHeaders();
        addHeaders(headers, message);
        headers.add(ATTEMPT, utf8(Integer.toString(attempt)));
        headers.add(TIMESTAMP, utf8(Long.toString(message.timestampMillis())));
        Header partition = from.headers().lastHeader(ORIGIN_PARTITION);
        Header offset = from.headers().lastHeader(ORIGIN_OFFSET);
        headers.add(ORIGIN_PARTITION, partition != null ? partition.value() : utf8(Integer.toString(from.partition())));
        headers.add(ORIGIN_OFFSET, offset != null ? offset.value() : utf8(Long.toString(from.offset())));
        return new ProducerRecord<>(retryTopic, null, System.currentTimeMillis(), message.unsafeKey(),
                message.unsafePayload(), headers);
    }

    /**
     * The copy of a delivered message that a requeue with {@code delay} publishes to {@code delayTopic}: a retry copy
     * (see {@link #retry}) that also says when it is due, in the partition of its delay's tier, so that a delay waits
     * only behind delays at most twice as long (the last tier: behind any).
     *
     * @param tiers the delay topic's partitions
     */
    static ProducerRecord<byte[], byte[]> delayed(Message message, ConsumerRecord<byte[], byte[]> from, String delayTopic,
                                                  int tiers, int attempt, Duration delay) {
        ProducerRecord<byte[], byte[]> copy = retry(message, from, delayTopic, attempt);
        copy.headers().add(DUE, utf8(Long.toString(copy.timestamp() + delay.toMillis())));
        return new ProducerRecord<>(delayTopic, tier(delay, tiers), copy.timestamp(), copy.key(), copy.value(),
                copy.headers());
    }

    /** The partition of a delay topic with {@code tiers} partitions that holds {@code delay}. */
    static int tier(Duration delay, int tiers) {
        long steps = delay.toMillis() / FIRST_TIER_MILLIS;
        int tier = steps == 0 ? 0 : 64 - Long.numberOfLeadingZeros(steps);
        return Math.min(tier, tiers - 1);
    }

    /** When a record of a delay topic is due, in milliseconds since the epoch; 0 (at once) when it does not say. */
    static long due(ConsumerRecord<byte[], byte[]> record) {
        Header h = record.headers().lastHeader(DUE);
        return h == null ? 0 : Math.max(0, parseLong(h.value()));
    }

    /** Where a delivered record was first read: its own partition and offset unless it is a retry copy. */
    static Map<String, String> origin(ConsumerRecord<byte[], byte[]> record) {
        Header partition = record.headers().lastHeader(ORIGIN_PARTITION);
        Header offset = record.headers().lastHeader(ORIGIN_OFFSET);
        return Map.of(DLQ_PARTITION, partition != null ? string(partition.value()) : Integer.toString(record.partition()),
                DLQ_OFFSET, offset != null ? string(offset.value()) : Long.toString(record.offset()));
    }

    /**
     * The attempt a record of the retry topic is delivered as: what its retry header says (records of the topic
     * itself are first deliveries; their headers are not even parsed for it on the poll thread).
     */
    static int attempt(ConsumerRecord<byte[], byte[]> record) {
        Header h = record.headers().lastHeader(ATTEMPT);
        if (h == null) {
            return 1;
        }
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, parseLong(h.value())));
    }

    /**
     * The message a record carries, as seen by a consumer of {@code topic} (retry copies read from the retry
     * topic look as if read from the original topic). Records of other producers get an id from their
     * position.
     */
    static Message toMessage(ConsumerRecord<byte[], byte[]> record, String topic) {
        Message.Builder b = Message.builder(topic)
                .unsafePayload(record.value() == null ? EMPTY : record.value())
                .timestampMillis(Math.max(0, record.timestamp()));
        b.unsafeKey(record.key());
        String id = null;
        for (Header h : record.headers()) {
            String name = h.key();
            if (name.startsWith("polybus.") && !name.startsWith("polybus.dlq.")) {
                if (name.equals(ID)) {
                    id = string(h.value());
                } else if (name.equals(TIMESTAMP)) {
                    long timestamp = parseLong(h.value());
                    if (timestamp >= 0) {
                        b.timestampMillis(timestamp);
                    }
                } else if (!name.equals(ATTEMPT) && !name.equals(ORIGIN_PARTITION) && !name.equals(ORIGIN_OFFSET)
                        && !name.equals(DUE)) {
                    b.header(name, string(h.value()));
                }
            } else {
                b.header(name, string(h.value()));
            }
        }
        b.id(id != null ? id : brokerId(record.topic(), position(record.partition(), record.offset())));
        return b.build();
    }

    /** The header's decimal value, or -1 when it is not one. */
    private static long parseLong(byte[] value) {
        try {
            return Long.parseLong(string(value));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static String string(byte[] bytes) {
        return bytes == null ? "" : new String(bytes, StandardCharsets.UTF_8);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
