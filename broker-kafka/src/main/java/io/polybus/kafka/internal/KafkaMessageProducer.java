package io.polybus.kafka.internal;

import io.polybus.ClosedException;
import io.polybus.Compression;
import io.polybus.Message;
import io.polybus.MessageTooLargeException;
import io.polybus.PolybusException;
import io.polybus.PolybusTimeoutException;
import io.polybus.Producer;
import io.polybus.ProducerOptions;
import io.polybus.Receipt;
import io.polybus.spi.BatchCompletion;
import io.polybus.spi.InFlightLimiter;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.RecordTooLargeException;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Sends through one KafkaProducer. The in-flight bound is the {@link InFlightLimiter}'s; the KafkaProducer
 * gets a buffer.memory with room above it, so that its own buffer never blocks first, and the block timeout
 * as max.block.ms (its wait for metadata). A future completes from the producer's callback, on Kafka's I/O
 * thread.
 *
 * <p>Each message counts its size plus {@link #RECORD_FOOTPRINT} against the bound: a small message in flight
 * costs more heap in its future, record and Kafka's callbacks than in its bytes, and a bound on bytes alone
 * would let a fast sender of small messages hold hundreds of thousands of them, which the garbage collector
 * then copies over and over.
 */
final class KafkaMessageProducer implements Producer {
    /** What a message in flight holds besides its own bytes, in bytes (about 500 on a 64-bit JVM, counted in a heap histogram). */
    static final int RECORD_FOOTPRINT = 512;

    private final Topics topics;
    private final String servers;
    private final long maxMessageBytes;
    private final ProducerOptions options;
    private final InFlightLimiter limiter;
    private final KafkaProducer<byte[], byte[]> producer;
    private final AtomicBoolean closed = new AtomicBoolean();

    KafkaMessageProducer(KafkaBroker broker, ProducerOptions options) {
        KafkaSettings settings = broker.settings();
        this.topics = broker.topics();
        this.servers = settings.servers();
        this.maxMessageBytes = settings.maxMessageBytes();
        this.options = options;
        this.limiter = new InFlightLimiter(options);
        long buffer = options.maxInFlightBytes() + 2L * settings.maxRecordBytes() + 16L * 1024 * 1024;
        Map<String, Object> properties = settings.producer(buffer, options.blockTimeout());
        if (options.compression() != Compression.NONE) {
            // The producer's own choice wins over the broker section's `compression`: Kafka compresses batches.
            properties.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, options.compression().configName());
        }
        this.producer = new KafkaProducer<>(properties);
    }

    @Override
    public CompletableFuture<Receipt> send(Message message) {
        if (closed.get()) {
            return CompletableFuture.failedFuture(new ClosedException("Kafka producer is closed"));
        }
        int size = message.sizeInBytes();
        if (size > maxMessageBytes) {
            return CompletableFuture.failedFuture(new MessageTooLargeException(message.topic(), size, maxMessageBytes));
        }
        try {
            topics.ensure(message.topic());
            limiter.acquire(size + RECORD_FOOTPRINT);
        } catch (PolybusException e) {
            return CompletableFuture.failedFuture(e);
        }
        SendCallback callback = new SendCallback(message.topic(), message.hasGivenId() ? message.id() : null, size);
        try {
            producer.send(Records.toRecord(message), callback);
        } catch (IllegalStateException e) {
            callback.fail(new ClosedException("Kafka producer is closed"));
        } catch (RuntimeException e) {
            callback.fail(Errors.translate(e, servers, "send to topic '" + message.topic() + "'"));
        }
        return callback;
    }

    /**
     * One callback for the whole batch, which KafkaProducer calls once per record: a record settled costs a counter
     * decrement instead of a future, a receipt and the caller's dependent stage. The batch's bytes are reserved
     * together before the first record is handed over and returned together when the last one settled.
     */
    @Override
    public CompletableFuture<Void> sendAll(List<Message> messages) {
        if (closed.get()) {
            return CompletableFuture.failedFuture(new ClosedException("Kafka producer is closed"));
        }
        long bytes = 0;
        for (Message message : messages) {
            int size = message.sizeInBytes();
            if (size > maxMessageBytes) {
                return CompletableFuture.failedFuture(new MessageTooLargeException(message.topic(), size, maxMessageBytes));
            }
            bytes += size + RECORD_FOOTPRINT;
        }
        try {
            for (Message message : messages) {
                topics.ensure(message.topic());
            }
            limiter.acquire(bytes);
        } catch (PolybusException e) {
            return CompletableFuture.failedFuture(e);
        }
        BatchCallback callback = new BatchCallback(messages.size(), bytes);
        for (int i = 0; i < messages.size(); i++) {
            Message message = messages.get(i);
            try {
                producer.send(Records.toRecord(message), callback);
            } catch (IllegalStateException e) {
                callback.failed(new ClosedException("Kafka producer is closed"), messages.size() - i);
                break;
            } catch (RuntimeException e) {
                callback.failed(Errors.translate(e, servers, "send to topic '" + message.topic() + "'"), messages.size() - i);
                break;
            }
        }
        return callback;
    }

    @Override
    public void flush() {
        CompletableFuture<Void> flushed = new CompletableFuture<>();
        Thread flusher = new Thread(() -> {
            try {
                producer.flush();
                flushed.complete(null);
            } catch (RuntimeException e) {
                flushed.completeExceptionally(e);
            }
        }, "polybus-kafka-flush");
        flusher.setDaemon(true);
        flusher.start();
        try {
            flushed.get(options.closeTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new PolybusTimeoutException("Kafka producer flush did not finish within " + options.closeTimeout()
                    + " (closeTimeout); sends to " + servers + " are still pending");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PolybusException("interrupted while flushing", e);
        } catch (java.util.concurrent.ExecutionException e) {
            if (!(e.getCause() instanceof IllegalStateException)) {
                throw Errors.translate(e, servers, "flush");
            }
        }
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        limiter.close();
        producer.close(options.closeTimeout());
    }

    /**
     * The future of a {@link #sendAll} batch and the callback of each of its records; returns the batch's bytes to
     * the limiter when the last record settled. A record too large for the broker fails the batch with a
     * {@link MessageTooLargeException} that gives the broker's limit (the record's own size is not known here).
     */
    private final class BatchCallback extends BatchCompletion implements Callback {
        BatchCallback(int records, long bytes) {
            super(records);
            whenComplete((ignored, error) -> limiter.release(bytes));
        }

        @Override
        public void onCompletion(RecordMetadata metadata, Exception e) {
            if (e == null) {
                succeeded();
            } else if (e instanceof RecordTooLargeException tooLarge) {
                String topic = metadata == null ? "?" : metadata.topic();
                failed(new MessageTooLargeException("a message of a batch for topic '" + topic + "' exceeds the limit of "
                        + maxMessageBytes + " bytes (max-message-bytes, or the topic's max.message.bytes): "
                        + tooLarge.getMessage(), -1, maxMessageBytes, tooLarge), 1);
            } else {
                failed(Errors.translate(e, servers, "send a batch"), 1);
            }
        }
    }

    /**
     * One send's future, completed from KafkaProducer's callback, which also returns the bytes to the limiter.
     * KafkaProducer either calls it back or throws from send, never both, so exactly one of {@link #onCompletion}
     * and {@link #fail} runs. It keeps the message's topic and given id (null without one: the receipt then names
     * the broker's id, which consumers will see), not the message: Kafka has copied the bytes.
     */
    private final class SendCallback extends CompletableFuture<Receipt> implements Callback {
        private final String topic;
        private final String id;
        private final int size;

        SendCallback(String topic, String id, int size) {
            this.topic = topic;
            this.id = id;
            this.size = size;
        }

        @Override
        public void onCompletion(RecordMetadata metadata, Exception e) {
            limiter.release(size + RECORD_FOOTPRINT);
            if (e == null) {
                complete(new KafkaReceipt(topic, id, metadata.partition(), metadata.offset()));
            } else if (e instanceof RecordTooLargeException tooLarge) {
                completeExceptionally(Errors.tooLarge(tooLarge, topic, size, maxMessageBytes));
            } else {
                completeExceptionally(Errors.translate(e, servers, "send to topic '" + topic + "'"));
            }
        }

        void fail(PolybusException e) {
            limiter.release(size + RECORD_FOOTPRINT);
            completeExceptionally(e);
        }
    }
}
