package io.polybus.internal;

import io.polybus.AckMode;
import io.polybus.Acknowledgement;
import io.polybus.BatchHandler;
import io.polybus.BatchOptions;
import io.polybus.Broker;
import io.polybus.Capability;
import io.polybus.ClosedException;
import io.polybus.Compression;
import io.polybus.Consumer;
import io.polybus.DeadLetter;
import io.polybus.ConsumerOptions;
import io.polybus.Delivery;
import io.polybus.DeliveryHandler;
import io.polybus.Message;
import io.polybus.Outcome;
import io.polybus.Producer;
import io.polybus.ProducerOptions;
import io.polybus.Receipt;
import io.polybus.SerializationException;
import io.polybus.StartPosition;
import io.polybus.UnsupportedCapabilityException;
import io.polybus.spi.NativeCompression;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Wraps every provider's broker with the rules that are the same everywhere: required capabilities are
 * checked at open, handler exceptions and {@link AckMode#AUTO} become outcomes, and closing the broker
 * closes every producer and consumer it made, and trace context travels with messages ({@link Tracing}).
 */
public final class GuardedBroker implements Broker {
    private static final Logger log = LoggerFactory.getLogger(GuardedBroker.class);

    private static final Tracing TRACING = Tracing.detect();
    /** How the reason of a rejected payload that cannot be decompressed starts. */
    private static final String UNDECOMPRESSABLE = "cannot decompress the payload: ";

    private final Broker delegate;
    private final Set<AutoCloseable> open = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closed = new AtomicBoolean();

    public GuardedBroker(Broker delegate) {
        this.delegate = delegate;
    }

    @Override
    public String type() {
        return delegate.type();
    }

    @Override
    public Set<Capability> capabilities() {
        return delegate.capabilities();
    }

    @Override
    public long maxMessageBytes() {
        return delegate.maxMessageBytes();
    }

    @Override
    public Producer producer(ProducerOptions options) {
        ensureOpen();
        requireCapabilities(options.required());
        Compression compression = options.compression() == Compression.NONE || delegate instanceof NativeCompression
                ? null : options.compression();
        if (compression != null) {
            Compressor.require(compression);
        }
        GuardedProducer producer = new GuardedProducer(delegate.producer(options), compression);
        open.add(producer);
        return producer;
    }

    @Override
    public Consumer subscribe(ConsumerOptions options, DeliveryHandler handler) {
        DeliveryHandler traced = TRACING == null ? handler : TRACING.consuming(delegate.type(), options, handler);
        GuardedConsumer consumer = new GuardedConsumer(subscribeUntracked(options, traced));
        open.add(consumer);
        return consumer;
    }

    /**
     * Batches over {@link #subscribeUntracked}, tracked as one consumer: closing the broker ends the batching, then
     * its deliveries. A batch has no single parent trace, so its deliveries are not traced one by one.
     */
    @Override
    public Consumer subscribe(ConsumerOptions options, BatchOptions batch, BatchHandler handler) {
        GuardedConsumer consumer = new GuardedConsumer(BatchingConsumer.start(options, batch, handler, this::subscribeUntracked));
        open.add(consumer);
        return consumer;
    }

    private Consumer subscribeUntracked(ConsumerOptions options, DeliveryHandler handler) {
        ensureOpen();
        Set<Capability> required = EnumSet.noneOf(Capability.class);
        required.addAll(options.required());
        if (options.startFrom() == StartPosition.EARLIEST) {
            required.add(Capability.REPLAY);
        }
        if (options.retryBackoff().delays()) {
            required.add(Capability.DELAYED_REQUEUE);
        }
        requireCapabilities(required);
        DeliveryHandler guarded = decompressing(settling(options, handler));
        return delegate.subscribe(options, delegate.capabilities().contains(Capability.DELAYED_REQUEUE)
                ? guarded : refusingDelays(guarded));
    }

    /**
     * On a broker without {@link Capability#DELAYED_REQUEUE}, a requeue with a positive delay fails before the
     * delivery is settled, rather than being redelivered at once against what the caller asked.
     */
    private DeliveryHandler refusingDelays(DeliveryHandler handler) {
        return delivery -> handler.handle(new Delivery(delivery.message(), delivery.attempt(),
                new DelayRefusingAcknowledgement(delivery.acknowledgement())));
    }

    private void requireCapabilities(Set<Capability> required) {
        Set<Capability> has = delegate.capabilities();
        if (!has.containsAll(required)) {
            Set<Capability> missing = EnumSet.noneOf(Capability.class);
            missing.addAll(required);
            missing.removeAll(has);
            throw new UnsupportedCapabilityException(delegate.type(), missing, has);
        }
    }

    private static DeliveryHandler settling(ConsumerOptions options, DeliveryHandler handler) {
        boolean auto = options.ackMode() == AckMode.AUTO;
        boolean requeue = options.onHandlerError() == Outcome.REQUEUE;
        return delivery -> {
            try {
                handler.handle(delivery);
                if (auto) {
                    delivery.ack();
                }
            } catch (VirtualMachineError e) {
                throw e;
            } catch (Throwable e) {
                settleFailed(delivery, requeue, e);
            }
        };
    }

    /**
     * Hands the handler what was sent: a payload compressed by Polybus decompressed, one that cannot be rejected
     * (its dead letter, which says so, reaches a handler as it was received, for inspection).
     */
    private static DeliveryHandler decompressing(DeliveryHandler handler) {
        return delivery -> {
            Message message = delivery.message();
            if (message.header(Compression.HEADER) == null || undecompressable(message)) {
                handler.handle(delivery);
                return;
            }
            Message plain;
            try {
                plain = Compressor.decompressed(message);
            } catch (RuntimeException | LinkageError e) {
                log.warn("message {} on topic '{}' has a payload marked {}={} that cannot be decompressed; rejecting it: {}",
                        message.id(), message.topic(), Compression.HEADER, message.header(Compression.HEADER), e.toString());
                delivery.reject(UNDECOMPRESSABLE + e);
                return;
            }
            handler.handle(new Delivery(plain, delivery.attempt(), delivery.acknowledgement()));
        };
    }

    private static boolean undecompressable(Message message) {
        String error = message.header(DeadLetter.ERROR);
        return error != null && error.startsWith(UNDECOMPRESSABLE);
    }

    private static void settleFailed(Delivery delivery, boolean requeue, Throwable error) {
        String reason = error.toString();
        log.debug("handler failed on message {} (attempt {}): {}", delivery.message().id(), delivery.attempt(), reason);
        if (requeue) {
            delivery.requeue(reason);
        } else {
            delivery.reject(reason);
        }
    }

    private final class DelayRefusingAcknowledgement implements Acknowledgement {
        private final Acknowledgement acknowledgement;

        DelayRefusingAcknowledgement(Acknowledgement acknowledgement) {
            this.acknowledgement = acknowledgement;
        }

        @Override
        public void ack() {
            acknowledgement.ack();
        }

        @Override
        public void requeue(String reason) {
            acknowledgement.requeue(reason);
        }

        @Override
        public void requeue(String reason, Duration delay) {
            if (!delay.isZero() && !delay.isNegative()) {
                throw new UnsupportedCapabilityException(delegate.type(), Set.of(Capability.DELAYED_REQUEUE),
                        delegate.capabilities());
            }
            acknowledgement.requeue(reason, delay);
        }

        @Override
        public void reject(String reason) {
            acknowledgement.reject(reason);
        }
    }

    private void ensureOpen() {
        if (closed.get()) {
            throw new ClosedException("broker '" + delegate.type() + "' is closed");
        }
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        for (AutoCloseable c : open) {
            if (c instanceof Consumer consumer) {
                consumer.close();
            }
        }
        for (AutoCloseable c : open) {
            if (c instanceof Producer producer) {
                producer.close();
            }
        }
        delegate.close();
    }

    private final class GuardedProducer implements Producer {
        private final Producer producer;
        /** The codec Polybus compresses payloads with; null when it does not (none asked, or the broker does). */
        private final Compression compression;

        GuardedProducer(Producer producer, Compression compression) {
            this.producer = producer;
            this.compression = compression;
        }

        @Override
        public CompletableFuture<Receipt> send(Message message) {
            return TRACING == null ? sendCompressed(message) : TRACING.send(delegate.type(), message, this::sendCompressed);
        }

        private CompletableFuture<Receipt> sendCompressed(Message message) {
            if (compression == null) {
                return producer.send(message);
            }
            Message compressed;
            try {
                compressed = Compressor.compressed(message, compression);
            } catch (RuntimeException | LinkageError e) {
                return CompletableFuture.failedFuture(new SerializationException(
                        "could not compress message " + message.id() + " with " + compression.configName() + ": " + e, e));
            }
            return producer.send(compressed);
        }

        @Override
        public CompletableFuture<Void> sendAll(List<Message> messages) {
            if (TRACING != null) {
                // Each message gets its own span, which only the message-by-message way gives.
                return Producer.super.sendAll(messages);
            }
            if (compression == null) {
                return producer.sendAll(messages);
            }
            List<Message> compressed = new ArrayList<>(messages.size());
            for (Message message : messages) {
                try {
                    compressed.add(Compressor.compressed(message, compression));
                } catch (RuntimeException | LinkageError e) {
                    return CompletableFuture.failedFuture(new SerializationException("could not compress message "
                            + message.id() + " with " + compression.configName() + ": " + e, e));
                }
            }
            return producer.sendAll(compressed);
        }

        @Override
        public void flush() {
            producer.flush();
        }

        @Override
        public void close() {
            producer.close();
            open.remove(this);
        }
    }

    private final class GuardedConsumer implements Consumer {
        private final Consumer consumer;

        GuardedConsumer(Consumer consumer) {
            this.consumer = consumer;
        }

        @Override
        public String topic() {
            return consumer.topic();
        }

        @Override
        public String group() {
            return consumer.group();
        }

        @Override
        public void close() {
            consumer.close();
            open.remove(this);
        }
    }
}
