package io.polybus.rocketmq.internal;

import io.polybus.AuthenticationException;
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
import io.polybus.spi.InFlightLimiter;
import org.apache.rocketmq.client.exception.MQClientException;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.MessageQueueSelector;
import org.apache.rocketmq.client.producer.SendCallback;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.remoting.exception.RemotingException;

import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Sends through a client instance of its own, asynchronously. A message with a key goes to the queue its key hashes
 * to (so one key keeps one queue), and only once the broker answered the send before it of the same key lane: the
 * broker handles a connection's requests on several threads, so two sends in flight at once may be stored in
 * either order. A message without a key goes to the queue the client picks, without waiting. A future completes
 * when the broker answered {@link SendStatus#SEND_OK}; any other status or error fails it.
 *
 * <p>Thread-safe. Bounded: at most {@link ProducerOptions#maxInFlightBytes()} bytes and {@code max-in-flight} sends
 * unanswered; past either {@code send} applies the producer's backpressure.
 */
final class RocketMqProducer implements Producer {
    /** One key, one queue: the key's hash, passed as the selector's argument, modulo the topic's queues. */
    static final MessageQueueSelector BY_KEY = (queues, message, hash) -> queues.get(Math.floorMod((Integer) hash, queues.size()));

    /** Key lanes: sends of one lane go one at a time, lanes in parallel. */
    private static final int LANES = 64;

    private final RocketMqBroker broker;
    private final ProducerOptions options;
    private final DefaultMQProducer client;
    private final InFlightLimiter bytes;
    /** Counts sends, one unit each: the client's queue of asynchronous sends must not outgrow the send timeout. */
    private final InFlightLimiter sends;
    /**
     * The futures not yet answered, for close to fail: each takes a free slot, probing from a sequence. The
     * {@code sends} bound keeps at most {@code max-in-flight} of its twice as many slots taken, so a free one is
     * always near. Cheaper per send than a concurrent set: one compare-and-set each way, no hashing.
     */
    private final AtomicReferenceArray<CompletableFuture<Receipt>> pending;
    private final AtomicLong nextSlot = new AtomicLong();
    /** The last send of each key lane; guarded by the lane's entry of {@link #laneLocks}. */
    private final CompletableFuture<?>[] laneTails = new CompletableFuture<?>[LANES];
    private final Object[] laneLocks = new Object[LANES];
    private final AtomicBoolean closing = new AtomicBoolean();
    private volatile boolean closed;

    RocketMqProducer(RocketMqBroker broker, ProducerOptions options) {
        this.broker = broker;
        this.options = options;
        this.bytes = new InFlightLimiter(options);
        this.sends = new InFlightLimiter(broker.settings.maxInFlight, options.backpressure(), options.blockTimeout());
        this.pending = new AtomicReferenceArray<>(2 * broker.settings.maxInFlight);
        for (int i = 0; i < LANES; i++) {
            laneLocks[i] = new Object();
        }
        this.client = RocketMqBroker.newProducer(broker.settings, "polybus-producer");
        try {
            client.start();
        } catch (MQClientException e) {
            client.shutdown();
            throw broker.unavailable("starting a producer", e);
        }
    }

    @Override
    public CompletableFuture<Receipt> send(Message message) {
        if (closed) {
            return CompletableFuture.failedFuture(new ClosedException("rocketmq producer is closed"));
        }
        int size = message.sizeInBytes();
        long limit = broker.settings.maxMessageBytes;
        if (size > limit) {
            return CompletableFuture.failedFuture(new MessageTooLargeException("message of " + size
                    + " bytes for topic '" + message.topic() + "' exceeds the limit of " + limit
                    + " bytes (max-message-bytes)", size, limit, null));
        }
        org.apache.rocketmq.common.message.Message wire;
        try {
            wire = WireFormat.toRocketMq(WireFormat.topic(message.topic()), message);
        } catch (PolybusException e) {
            return CompletableFuture.failedFuture(e);
        }
        try {
            sends.acquire(1);
        } catch (BufferFullException e) {
            return CompletableFuture.failedFuture(new BufferFullException("rocketmq producer has "
                    + sends.inFlightBytes() + " sends unanswered, its limit (max-in-flight " + broker.settings.maxInFlight
                    + "); no room for the message for topic '" + message.topic() + "'"));
        } catch (PolybusException e) {
            return CompletableFuture.failedFuture(e);
        }
        try {
            bytes.acquire(size);
        } catch (PolybusException e) {
            sends.release(1);
            return CompletableFuture.failedFuture(e);
        }
        CompletableFuture<Receipt> future = new CompletableFuture<>();
        int slot = park(future);
        SendCallback callback = new SendCallback() {
            @Override
            public void onSuccess(SendResult result) {
                if (result.getSendStatus() == SendStatus.SEND_OK) {
                    complete(future, slot, size, new RocketMqReceipt(message.topic(), message.id(),
                            result.getMessageQueue().getBrokerName(), result.getMessageQueue().getQueueId(),
                            result.getQueueOffset()), null);
                } else {
                    complete(future, slot, size, null, new RetriableException("RocketMQ stored the message for topic '"
                            + message.topic() + "' but answered " + result.getSendStatus()
                            + ": not flushed or replicated as the broker is configured to"));
                }
            }

            @Override
            public void onException(Throwable e) {
                complete(future, slot, size, null, failure(message, e));
            }
        };
        byte[] key = message.unsafeKey();
        if (key == null) {
            submit(message, wire, null, future, slot, size, callback);
            return future;
        }
        int hash = Arrays.hashCode(key);
        int lane = Math.floorMod(hash, LANES);
        synchronized (laneLocks[lane]) {
            CompletableFuture<?> before = laneTails[lane];
            laneTails[lane] = future;
            if (before == null || before.isDone()) {
                submit(message, wire, hash, future, slot, size, callback);
            } else {
                before.whenComplete((r, e) -> submit(message, wire, hash, future, slot, size, callback));
            }
        }
        return future;
    }

    private void submit(Message message, org.apache.rocketmq.common.message.Message wire, Integer keyHash,
                        CompletableFuture<Receipt> future, int slot, int size, SendCallback callback) {
        try {
            long timeout = broker.settings.sendTimeout.toMillis();
            if (keyHash == null) {
                client.send(wire, callback, timeout);
            } else {
                client.send(wire, BY_KEY, keyHash, callback, timeout);
            }
        } catch (MQClientException | RemotingException | RuntimeException e) {
            complete(future, slot, size, null, failure(message, e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            complete(future, slot, size, null, failure(message, e));
        }
    }

    private PolybusException failure(Message message, Throwable e) {
        PolybusException refused = broker.failed("sending to topic '" + message.topic() + "'", e);
        if (refused instanceof AuthenticationException) {
            return refused;
        }
        return new BrokerUnavailableException("RocketMQ (name server " + broker.settings.nameServer
                + ") did not store the message for topic '" + message.topic() + "': " + e.getMessage(), e);
    }

    /** Takes a free slot of {@link #pending} for {@code future}. */
    private int park(CompletableFuture<Receipt> future) {
        int slots = pending.length();
        for (long i = nextSlot.getAndIncrement(); ; i++) {
            int slot = (int) (i % slots);
            if (pending.get(slot) == null && pending.compareAndSet(slot, null, future)) {
                return slot;
            }
        }
    }

    private void complete(CompletableFuture<Receipt> future, int slot, int size, Receipt receipt, Throwable error) {
        if (pending.compareAndSet(slot, future, null)) {
            bytes.release(size);
            sends.release(1);
            if (error == null) {
                future.complete(receipt);
            } else {
                future.completeExceptionally(error);
            }
        }
    }

    @Override
    public void flush() {
        if (!bytes.awaitEmpty(options.closeTimeout())) {
            throw new PolybusTimeoutException("rocketmq producer: " + bytes.inFlightBytes()
                    + " bytes still unanswered after " + options.closeTimeout());
        }
    }

    @Override
    public void close() {
        if (!closing.compareAndSet(false, true)) {
            return;
        }
        closed = true;
        bytes.awaitEmpty(options.closeTimeout());
        bytes.close();
        sends.close();
        for (int slot = 0; slot < pending.length(); slot++) {
            CompletableFuture<Receipt> f = pending.get(slot);
            if (f != null && pending.compareAndSet(slot, f, null)) {
                sends.release(1);
                f.completeExceptionally(new ClosedException("rocketmq producer closed before RocketMQ answered (waited "
                        + options.closeTimeout() + "); the message may or may not have been stored"));
            }
        }
        client.shutdown();
    }
}
