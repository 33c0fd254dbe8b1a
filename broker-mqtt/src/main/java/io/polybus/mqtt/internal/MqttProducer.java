package io.polybus.mqtt.internal;

import com.hivemq.client.mqtt.datatypes.MqttTopic;
import com.hivemq.client.mqtt.exceptions.MqttClientStateException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import io.polybus.Backpressure;
import io.polybus.BrokerUnavailableException;
import io.polybus.BufferFullException;
import io.polybus.ClosedException;
import io.polybus.Message;
import io.polybus.MessageTooLargeException;
import io.polybus.PolybusException;
import io.polybus.PolybusTimeoutException;
import io.polybus.Producer;
import io.polybus.ProducerOptions;
import io.polybus.Receipt;
import io.polybus.RetriableException;
import io.polybus.SerializationException;
import io.polybus.spi.InFlightLimiter;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Publishes at QoS 1 on a connection of its own (client id {@code <client-id>:producer:<random>}, no session kept
 * by the server). A send's future completes when the server's PUBACK says it has the message; a PUBACK with an
 * error reason fails it, and so does "no matching subscribers" with {@code mandatory: true}. While the connection is down, sends wait in the client and everything unacknowledged is
 * published again once it is back, so a server restart delays futures rather than failing them; the in-flight
 * bounds ({@link ProducerOptions#maxInFlightBytes()} and {@code producer.max-in-flight} messages) keep that wait
 * bounded.
 *
 * <p>Thread-safe: the HiveMQ client serialises publishes; futures complete on its Netty event loop.
 */
final class MqttProducer implements Producer {
    private static final String ACCEPTED = "puback";
    private static final String NO_SUBSCRIBERS = "puback: no matching subscribers";

    private final MqttBroker broker;
    private final ProducerOptions options;
    private final InFlightLimiter limiter;
    /** Unacknowledged messages, next to the limiter's bytes. */
    private final Semaphore window;
    private final Clients.Connection connection;
    private final AtomicBoolean closing = new AtomicBoolean();
    private volatile boolean closed;
    /** The last topic sent to, validated: producers mostly send to one. */
    private volatile TopicRef last;

    private record TopicRef(String name, MqttTopic topic) {
    }

    MqttProducer(MqttBroker broker, ProducerOptions options) {
        this.broker = broker;
        this.options = options;
        this.limiter = new InFlightLimiter(options);
        this.window = new Semaphore(broker.settings.maxInFlight());
        this.connection = new Clients.Connection(broker.settings, broker.settings.clientId() + ":producer:"
                + MqttBroker.randomSuffix(), true, 0, 65_535, cause -> { });
        connection.connect();
    }

    @Override
    public CompletableFuture<Receipt> send(Message message) {
        if (closed) {
            return CompletableFuture.failedFuture(new ClosedException("mqtt producer is closed"));
        }
        int size = message.sizeInBytes();
        long limit = broker.maxMessageBytes();
        if (size > limit) {
            return CompletableFuture.failedFuture(new MessageTooLargeException("message of " + size + " bytes for topic '"
                    + message.topic() + "' exceeds the limit of " + limit + " bytes (max-message-bytes, or the server's"
                    + " maximum packet size)", size, limit, null));
        }
        Mqtt5Publish publish;
        try {
            publish = WireFormat.publish(topic(message.topic()), message, 1);
        } catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(new SerializationException("message for topic '" + message.topic()
                    + "' cannot travel over MQTT: " + e.getMessage(), e));
        }
        try {
            limiter.acquire(size);
        } catch (PolybusException e) {
            return CompletableFuture.failedFuture(e);
        }
        try {
            acquireWindow();
        } catch (PolybusException e) {
            limiter.release(size);
            return CompletableFuture.failedFuture(e);
        }
        String topic = message.topic();
        String id = message.id();
        CompletableFuture<Receipt> future = new CompletableFuture<>();
        connection.client.publish(publish).whenComplete((result, error) -> {
            window.release();
            limiter.release(size);
            if (error == null) {
                String position = position(result);
                if (position == NO_SUBSCRIBERS && broker.settings.mandatory()) {
                    future.completeExceptionally(new RetriableException("no group is subscribed to topic '" + topic
                            + "' on mqtt server at " + broker.settings.address() + ", so nothing stored the message"
                            + " (mandatory)"));
                } else {
                    future.complete(Receipt.of(topic, id, position));
                }
            } else {
                future.completeExceptionally(failure(error, topic));
            }
        });
        return future;
    }

    private void acquireWindow() {
        if (window.tryAcquire()) {
            return;
        }
        if (options.backpressure() == Backpressure.FAIL) {
            throw windowFull();
        }
        try {
            if (!window.tryAcquire(options.blockTimeout().toNanos(), TimeUnit.NANOSECONDS)) {
                throw windowFull();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PolybusException("interrupted while waiting for room to send", e);
        }
    }

    private BufferFullException windowFull() {
        return new BufferFullException("mqtt producer has " + broker.settings.maxInFlight() + " messages unacknowledged,"
                + " its limit (producer.max-in-flight); the server at " + broker.settings.address() + " has not acknowledged them yet");
    }

    private static String position(Mqtt5PublishResult result) {
        return noSubscribers(result) ? NO_SUBSCRIBERS : ACCEPTED;
    }

    /** Whether the server acknowledged with "no matching subscribers": no subscription stored the message. */
    static boolean noSubscribers(Mqtt5PublishResult result) {
        return result instanceof Mqtt5PublishResult.Mqtt5Qos1Result q
                && q.getPubAck().getReasonCode() == Mqtt5PubAckReasonCode.NO_MATCHING_SUBSCRIBERS;
    }

    private MqttTopic topic(String name) {
        TopicRef ref = last;
        if (ref == null || !ref.name.equals(name)) {
            String problem = WireFormat.topicProblem(name);
            if (problem != null) {
                throw new IllegalArgumentException(problem);
            }
            ref = new TopicRef(name, MqttTopic.of(name));
            last = ref;
        }
        return ref.topic;
    }

    private PolybusException failure(Throwable error, String topic) {
        Throwable e = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (e instanceof Mqtt5PubAckException p) {
            Mqtt5PubAckReasonCode code = p.getMqttMessage().getReasonCode();
            String text = "mqtt server at " + broker.settings.address() + " refused the message for topic '" + topic
                    + "' (" + code + ")";
            return code == Mqtt5PubAckReasonCode.QUOTA_EXCEEDED || code == Mqtt5PubAckReasonCode.UNSPECIFIED_ERROR
                    ? new RetriableException(text, e) : new PolybusException(text, e);
        }
        if (e instanceof MqttClientStateException && closed) {
            return new ClosedException("mqtt producer closed before the server acknowledged the message for topic '"
                    + topic + "'; it may or may not have been stored");
        }
        return new BrokerUnavailableException("mqtt server at " + broker.settings.address() + ": the message for topic '"
                + topic + "' was not acknowledged: " + e.getMessage(), e);
    }

    @Override
    public void flush() {
        if (!limiter.awaitEmpty(options.closeTimeout())) {
            throw new PolybusTimeoutException("mqtt producer: " + limiter.inFlightBytes()
                    + " bytes still unacknowledged after " + options.closeTimeout());
        }
    }

    @Override
    public void close() {
        if (!closing.compareAndSet(false, true)) {
            return;
        }
        closed = true;
        limiter.awaitEmpty(options.closeTimeout());
        limiter.close();
        connection.close();
        // The client fails what it still held when it disconnected; wait (briefly) until every future completed.
        limiter.awaitEmpty(broker.settings.connectTimeout());
    }
}
