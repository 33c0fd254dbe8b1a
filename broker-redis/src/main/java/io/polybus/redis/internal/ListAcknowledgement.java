package io.polybus.redis.internal;

import io.polybus.DeadLetter;
import io.polybus.Message;
import io.polybus.spi.AbstractAcknowledgement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Protocol.Command;

import java.time.Duration;
import java.util.Map;
import java.util.function.Function;

import static io.polybus.redis.internal.StreamFields.bytes;

/**
 * Settles one list-mode delivery by taking its element out of the consumer's processing list: removed on
 * ACK, pushed back to the head of the queue with its delivery count on REQUEUE (into the topic's
 * {@link DelaySchedule}, with its delivery count, on a REQUEUE with a delay), pushed to the dead-letter list
 * otherwise, each in one atomic script.
 */
final class ListAcknowledgement extends AbstractAcknowledgement {
    private static final Logger log = LoggerFactory.getLogger(ListAcknowledgement.class);

    private final ListConsumer consumer;
    private final byte[] element;
    private final Message message;

    ListAcknowledgement(ListConsumer consumer, byte[] element, Message message, int attempt) {
        super(attempt, consumer.options, consumer.counters);
        this.consumer = consumer;
        this.element = element;
        this.message = message;
    }

    @Override
    protected void onAck() {
        consumer.settled(this);
        run("acknowledge", jedis -> jedis.lrem(consumer.processingKey, 1, element));
    }

    @Override
    protected void onRequeue(String reason) {
        consumer.settled(this);
        byte[] next = Blob.encode(message, attempt);
        run("requeue", jedis -> jedis.sendCommand(Command.EVAL, ListConsumer.MOVE_SCRIPT, bytes("2"),
                consumer.processingKey, consumer.queueKey, element, next, bytes("RPUSH")));
    }

    @Override
    protected void onRequeue(String reason, Duration delay) {
        consumer.settled(this);
        byte[] next = Blob.encode(message, attempt);
        run("requeue with a delay", jedis -> jedis.sendCommand(Command.EVAL, DelaySchedule.LIST_REQUEUE, bytes("2"),
                consumer.processingKey, consumer.scheduleKey, element, next, bytes(Long.toString(delay.toMillis()))));
        consumer.releaseIn(delay.toMillis());
    }

    @Override
    protected void onDeadLetter(String deadLetterTopic, String reason) {
        consumer.settled(this);
        byte[] letter = Blob.encode(DeadLetter.of(message, deadLetterTopic, consumer.options.group(), attempt, reason,
                Map.of()), 0);
        byte[] dlqKey = bytes(consumer.settings.key(deadLetterTopic));
        run("dead-letter", jedis -> jedis.sendCommand(Command.EVAL, ListConsumer.MOVE_SCRIPT, bytes("2"),
                consumer.processingKey, dlqKey, element, letter, bytes("LPUSH")));
    }

    private void run(String what, Function<Jedis, Object> op) {
        try {
            consumer.connections.withPooled(what + " a message of topic '" + consumer.options.topic() + "'", op);
        } catch (RuntimeException e) {
            log.error("could not {} message {} of topic '{}'; it stays in the processing list and returns to the queue "
                    + "when this consumer closes or vanishes", what, message.id(), consumer.options.topic(), e);
        }
    }
}
