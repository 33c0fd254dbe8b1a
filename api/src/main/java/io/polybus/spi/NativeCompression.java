package io.polybus.spi;

/**
 * Marks a {@link io.polybus.Broker} whose producers compress with the broker's own codec when
 * {@link io.polybus.ProducerOptions#compression()} asks for one (Kafka's record batches): Polybus then leaves
 * payloads as they are. Payloads of brokers without it are compressed by Polybus and marked with
 * {@link io.polybus.Compression#HEADER}.
 */
public interface NativeCompression {
}
