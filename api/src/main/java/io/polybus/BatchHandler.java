package io.polybus;

import java.util.List;

/**
 * Receives deliveries in batches, for handlers that write in bulk. Subscribe one with
 * {@link Broker#subscribe(ConsumerOptions, BatchOptions, BatchHandler)}.
 *
 * <p>A batch holds at most {@link BatchOptions#maxSize()} deliveries, in the order the consumer received
 * them; it is handed over when full or {@link BatchOptions#maxWait()} after its first delivery arrived,
 * whichever comes first. Each delivery is still settled on its own through its {@link Acknowledgement}:
 * settling one settles none of the others. The calls of one consumer never overlap.
 *
 * <p>When the handler returns, the consumer's {@link AckMode#AUTO} acks every delivery still unsettled; in
 * {@link AckMode#MANUAL} the unsettled ones stay unsettled. When it throws, every delivery of the batch still
 * unsettled gets the consumer's {@link ConsumerOptions#onHandlerError()}; the ones settled before the throw
 * keep their outcome.
 */
@FunctionalInterface
public interface BatchHandler {
    void handle(List<Delivery> batch) throws Exception;
}
