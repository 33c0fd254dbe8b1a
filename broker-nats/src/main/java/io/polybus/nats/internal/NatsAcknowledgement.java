package io.polybus.nats.internal;

import io.polybus.DeadLetter;
import io.polybus.Message;
import io.polybus.spi.AbstractAcknowledgement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/**
 * Settles one JetStream delivery: ACK is {@code +ACK}, REQUEUE {@code -NAK} (with the delay asked for, else the
 * broker's requeue delay, if any: the server keeps the message until then), a
 * dead letter is published to the dead-letter topic's stream and, once the stream stored it, {@code +TERM}; a
 * dead letter the stream did not take leaves the delivery to come back after the ack wait. Acknowledgements are
 * sent without waiting for the server: one that is lost makes the server deliver the message again.
 */
final class NatsAcknowledgement extends AbstractAcknowledgement {
    private static final Logger log = LoggerFactory.getLogger(NatsAcknowledgement.class);

    static final byte[] ACK = bytes("+ACK");
    static final byte[] NAK = bytes("-NAK");
    static final byte[] TERM = bytes("+TERM");
    static final byte[] IN_PROGRESS = bytes("+WPI");

    private final String replyTo;
    /** Whether this delivery holds one of its consumer's prefetch permits. */
    final boolean permitted;
    private final long sequence;
    private final Message decoded;
    private final NatsConsumer consumer;
    /** When the delivery was last marked in progress (or received); the consumer's ticker only. */
    long touched = System.nanoTime();

    NatsAcknowledgement(NatsConsumer consumer, String replyTo, long sequence, Message decoded, int attempt,
                        boolean permitted) {
        super(attempt, consumer.options, consumer.counters);
        this.consumer = consumer;
        this.replyTo = replyTo;
        this.permitted = permitted;
        this.sequence = sequence;
        this.decoded = decoded;
    }

    @Override
    protected void onAck() {
        consumer.settled(this);
        send(Outgoing.ACK);
    }

    @Override
    protected void onRequeue(String reason) {
        consumer.settled(this);
        send(Outgoing.NAK);
    }

    @Override
    protected void onRequeue(String reason, Duration delay) {
        consumer.settled(this);
        publish(Outgoing.NAK, nakAfter(delay));
    }

    @Override
    protected void onDrop(String reason) {
        consumer.settled(this);
        send(Outgoing.TERM);
    }

    /** Hands an unsettled delivery back for redelivery, for a consumer that closes. */
    void handBack() {
        send(Outgoing.NAK_NOW);
    }

    /** Restarts the ack wait of a delivery its handler is still working on. */
    void inProgress() {
        send(Outgoing.IN_PROGRESS);
    }

    @Override
    protected void onDeadLetter(String deadLetterTopic, String reason) {
        consumer.settled(this);
        NatsBroker broker = consumer.broker;
        Message letter = DeadLetter.of(decoded, deadLetterTopic, consumer.options.group(), attempt, reason,
                Map.of("polybus.dlq.nats-stream", consumer.topic.stream(),
                        "polybus.dlq.nats-sequence", Long.toString(sequence)));
        try {
            NatsBroker.Topic dlq = broker.topic(deadLetterTopic);
            broker.jetStream.publishAsync(dlq.subject(), WireFormat.headers(letter), letter.unsafePayload())
                    .whenComplete((stored, error) -> {
                        if (error == null) {
                            send(Outgoing.TERM);
                        } else {
                            failedDeadLetter(deadLetterTopic, error);
                        }
                    });
        } catch (RuntimeException e) {
            failedDeadLetter(deadLetterTopic, e);
        }
    }

    private void failedDeadLetter(String deadLetterTopic, Throwable error) {
        log.error("could not dead-letter message {} of group '{}' to '{}'; it will be delivered again after the ack "
                + "wait: {}", decoded.id(), consumer.options.group(), deadLetterTopic, error.toString());
    }

    private enum Outgoing { ACK, NAK, NAK_NOW, TERM, IN_PROGRESS }

    private void send(Outgoing what) {
        byte[] body = switch (what) {
            case ACK -> ACK;
            case NAK -> {
                Duration delay = consumer.broker.settings.requeueDelay();
                yield delay.isZero() ? NAK : nakAfter(delay);
            }
            case NAK_NOW -> NAK;
            case TERM -> TERM;
            case IN_PROGRESS -> IN_PROGRESS;
        };
        publish(what, body);
    }

    private void publish(Outgoing what, byte[] body) {
        try {
            consumer.broker.connection.publish(replyTo, body);
        } catch (RuntimeException e) {
            log.debug("could not send {} for a delivery of group '{}' (it will be delivered again): {}", what,
                    consumer.options.group(), e.toString());
        }
    }

    private static byte[] nakAfter(Duration delay) {
        return bytes("-NAK {\"delay\":" + delay.toNanos() + "}");
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }
}
