package io.polybus.events;

import java.util.List;

/**
 * Writes events taken from the broker into a store (a search index, a database table, files). The process that
 * runs sinks consumes a topic as a group, reads the events of each message (packs split), hands them to every sink
 * in batches, and acknowledges a message only once every sink holding its events has made them durable: at least
 * once, end to end.
 *
 * <p>Writes must be idempotent by {@link Record#id()}: a message delivered twice, or an event the agent sent again
 * after a crash, carries the same id, and the store must keep it once (the id as document id or primary key).
 *
 * <p>Called from one thread at a time. Made by a {@link SinkProvider}.
 */
public interface Sink extends AutoCloseable {

    /**
     * Writes {@code records} and makes them durable before returning.
     *
     * @return the records the store refused for good (a mapping error, a 4xx other than 429), each with the
     *         store's reason: they go to the dead-letter topic; every other record is durable
     * @throws Exception when the write may succeed if tried again (connection refused, 429, 5xx, a timeout): the
     *                   whole batch is tried again with backoff, and reading waits meanwhile
     */
    List<Refusal> write(List<Record> records) throws Exception;

    /** Releases what the sink holds (after a last write returned). The default does nothing. */
    @Override
    default void close() {
    }

    /**
     * One event to write.
     *
     * @param id    the event's identity ({@link JsonEvent#identity}): the same on every delivery of it
     * @param event the event
     * @param json  its JSON as it came (one line of a pack, or the message's payload)
     */
    record Record(String id, JsonEvent event, byte[] json) {
    }

    /**
     * A record the store refused for good.
     *
     * @param record the record
     * @param reason the store's words (no secrets)
     */
    record Refusal(Record record, String reason) {
    }
}
