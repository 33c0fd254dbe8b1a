package io.polybus.redis.internal;

import io.polybus.DeadLetter;
import io.polybus.Message;
import io.polybus.spi.AbstractAcknowledgement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Protocol.Command;
import redis.clients.jedis.Transaction;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/**
 * Settles one stream entry: ACK and REQUEUE go through the consumer's acker (batched {@code XACK}, or
 * {@code XCLAIM ... IDLE} so that {@code XAUTOCLAIM} hands it out again, or into the group's
 * {@link DelaySchedule} when requeued with a delay); a dead letter is added to the
 * dead-letter stream and acknowledged in one {@code MULTI}.
 */
final class StreamAcknowledgement extends AbstractAcknowledgement {
    private static final Logger log = LoggerFactory.getLogger(StreamAcknowledgement.class);

    final byte[] id;
    private final Message message;
    private final StreamConsumer consumer;

    StreamAcknowledgement(StreamConsumer consumer, byte[] id, Message message, int attempt) {
        super(attempt, consumer.options, consumer.counters);
        this.consumer = consumer;
        this.id = id;
        this.message = message;
    }

    @Override
    protected void onAck() {
        consumer.settled(this);
        consumer.queueAck(id);
    }

    @Override
    protected void onRequeue(String reason) {
        consumer.settled(this);
        consumer.queueRequeue(id);
    }

    @Override
    protected void onRequeue(String reason, Duration delay) {
        consumer.settled(this);
        consumer.queueRequeue(id, delay);
    }

    @Override
    protected void onDeadLetter(String deadLetterTopic, String reason) {
        consumer.settled(this);
        Message letter = DeadLetter.of(message, deadLetterTopic, consumer.options.group(), attempt, reason,
                Map.of("polybus.dlq.redis-entry-id", new String(id, StandardCharsets.US_ASCII)));
        byte[] dlqKey = StreamFields.bytes(consumer.settings.key(deadLetterTopic));
        try {
            consumer.connections.withPooled("dead-letter a message to '" + deadLetterTopic + "'", jedis -> {
                Transaction tx = jedis.multi();
                tx.sendCommand(Command.XADD, StreamFields.xaddArgs(dlqKey, letter, consumer.settings.streamMaxLen()));
                tx.sendCommand(Command.XACK, consumer.streamKey, consumer.groupName, id);
                return tx.exec();
            });
        } catch (RuntimeException e) {
            log.error("could not dead-letter message {} of group '{}' to '{}'; it stays pending and will be delivered "
                    + "again after the visibility timeout", message.id(), consumer.options.group(), deadLetterTopic, e);
        }
    }
}
