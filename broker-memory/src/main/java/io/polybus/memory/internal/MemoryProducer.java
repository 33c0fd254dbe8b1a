package io.polybus.memory.internal;

import io.polybus.ClosedException;
import io.polybus.Message;
import io.polybus.MessageTooLargeException;
import io.polybus.PolybusException;
import io.polybus.Producer;
import io.polybus.ProducerOptions;
import io.polybus.Receipt;

import java.util.concurrent.CompletableFuture;

/**
 * Sends into the engine. A send is complete when it returns: the message is in every group of its
 * topic, so there is never anything in flight to flush.
 */
final class MemoryProducer implements Producer {
    /** Memory topics have no addressable position; the receipt says where the message went. */
    private static final String POSITION = "memory";
    private final Engine engine;
    private final ProducerOptions options;
    private final long maxMessageBytes;
    private final long blockNanos;
    private volatile boolean closed;
    private Topic lastTopic;

    MemoryProducer(Engine engine, ProducerOptions options, long maxMessageBytes) {
        this.engine = engine;
        this.options = options;
        this.maxMessageBytes = maxMessageBytes;
        this.blockNanos = options.blockTimeout().toNanos();
    }

    @Override
    public CompletableFuture<Receipt> send(Message message) {
        if (closed) {
            return CompletableFuture.failedFuture(new ClosedException("memory producer is closed"));
        }
        int size = message.sizeInBytes();
        if (size > maxMessageBytes) {
            return CompletableFuture.failedFuture(new MessageTooLargeException(message.topic(), size, maxMessageBytes));
        }
        try {
            topic(message.topic()).publish(message, size, options.backpressure(), blockNanos);
            return CompletableFuture.completedFuture(Receipt.of(message.topic(), message.id(), POSITION));
        } catch (PolybusException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private Topic topic(String name) {
        Topic t = lastTopic;
        if (t == null || !t.name.equals(name)) {
            t = engine.topic(name);
            lastTopic = t;
        }
        return t;
    }

    @Override
    public void flush() {
        // Every send completed before it returned.
    }

    @Override
    public void close() {
        closed = true;
    }
}
