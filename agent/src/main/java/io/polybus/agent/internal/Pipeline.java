package io.polybus.agent.internal;

import io.polybus.events.EventPack;
import io.polybus.Codec;
import io.polybus.Message;
import io.polybus.events.LogEvent;
import io.polybus.events.Processor;

import java.util.List;
import java.util.Objects;
import java.util.function.BooleanSupplier;

/**
 * Turns one source's records into broker messages: event, processor chain, JSON, topic and key, send. With
 * {@code delivery.events-per-message} above 1, consecutive events for the same topic and key are packed into one
 * message ({@link EventPack}), sent when full, when the topic or key changes, and when the source calls
 * {@link #flush} (at the end of each read round and when it stops). One per source, used by that source's thread
 * only.
 */
final class Pipeline {
    static final int SPLIT = 1;
    static final int TRUNCATED = 2;

    /** The payload is already bytes made for this message; the builder takes them as they are. */
    private static final Codec<byte[]> AS_IS = new Codec<>() {
        @Override
        public byte[] encode(byte[] value) {
            return value;
        }

        @Override
        public byte[] decode(byte[] payload) {
            return payload;
        }
    };

    private final Settings.Source source;
    private final Event event;
    private final EventWriter writer = new EventWriter();
    private final Shipper shipper;
    private final AgentMetrics.SourceMeters meters;
    private final BooleanSupplier stopping;
    private final Processor.Chain[] chain;
    private final long maxMessageBytes;
    private final int eventsPerMessage;
    private final long maxPackBytes;
    /** The events not yet sent, when packing; null when every event is its own message. */
    private final EventPack pack;

    private OffsetTracker.Batch batch;
    private int proceeded;
    private OffsetTracker.Group group;
    private String packTopic;
    private String packKey;
    private long packTimestamp;

    Pipeline(Settings.Source source, String host, Settings.Delivery delivery, Shipper shipper,
             AgentMetrics.SourceMeters meters, BooleanSupplier stopping) {
        this.source = source;
        this.event = new Event(host, source.type(), source.name(), source.charset());
        this.shipper = shipper;
        this.meters = meters;
        this.stopping = stopping;
        this.maxMessageBytes = shipper.maxMessageBytes();
        this.eventsPerMessage = delivery.eventsPerMessage();
        this.maxPackBytes = Math.min(delivery.maxMessageBytes(), maxMessageBytes);
        this.pack = eventsPerMessage > 1 ? new EventPack() : null;
        List<Processor> processors = source.processors();
        this.chain = new Processor.Chain[processors.size() + 1];
        chain[processors.size()] = this::deliver;
        for (int i = processors.size() - 1; i >= 0; i--) {
            Processor p = processors.get(i);
            Processor.Chain next = chain[i + 1];
            chain[i] = e -> p.process(e, next);
        }
    }

    AgentMetrics.SourceMeters meters() {
        return meters;
    }

    /**
     * Processes and sends one record (a line, a chunk of one, or joined lines) read from {@code bytes}, which
     * must stay unchanged until this returns.
     *
     * @return false when the agent stopped while waiting for room to send (the record is then not accounted)
     */
    boolean accept(byte[] bytes, int off, int len, String path, String fileId, long offset, long endOffset,
                   OffsetTracker tracker, int flags) {
        meters.read.increment();
        meters.bytesRead.add(len);
        event.reset(bytes, off, len, System.currentTimeMillis(), path, fileId, offset);
        if ((flags & SPLIT) != 0) {
            event.tag(Event.TAG_SPLIT);
            meters.split.increment();
        }
        if ((flags & TRUNCATED) != 0) {
            event.tag(Event.TAG_TRUNCATED);
            meters.truncated.increment();
        }
        if (event.hasTag(Event.TAG_INVALID_ENCODING)) {
            meters.invalidEncoding.increment();
        }
        batch = tracker.current();
        proceeded = 0;
        chain[0].proceed(event);
        if (proceeded < 0) {
            return false;
        }
        if (proceeded == 0) {
            meters.filtered.increment();
        }
        tracker.record(batch, endOffset);
        return true;
    }

    private void deliver(LogEvent e) {
        if (proceeded < 0) {
            return;
        }
        String topic = source.topic().render(e);
        if (topic.isBlank()) {
            topic = Settings.DEFAULT_TOPIC;
        }
        String key = source.key() == null ? null : source.key().render(e);
        byte[] payload = writer.write(event, 0);
        int keyBytes = key == null ? 0 : key.length() * 3;
        if (payload.length + keyBytes > maxMessageBytes) {
            payload = shorten(key, keyBytes);
        }
        if (pack != null) {
            if (pack.count() > 0 && (!topic.equals(packTopic) || !Objects.equals(key, packKey)
                    || packBytes(pack.lengthWith(payload.length), keyBytes) > maxPackBytes) && !flush()) {
                proceeded = -1;
                return;
            }
            if (packBytes(payload.length, keyBytes) <= maxPackBytes) {
                addToPack(payload, topic, key, e.timestampMillis());
                proceeded++;
                if (pack.count() >= eventsPerMessage && !flush()) {
                    proceeded = -1;
                }
                return;
            }
        }
        Message message = Message.builder(topic).key(key).timestampMillis(e.timestampMillis())
                .payload(payload, AS_IS).build();
        if (shipper.send(message, 1, batch, meters, stopping)) {
            proceeded++;
        } else {
            proceeded = -1;
        }
    }

    private static long packBytes(int payloadBytes, int keyBytes) {
        return (long) payloadBytes + keyBytes + EventPack.HEADER_BYTES;
    }

    private void addToPack(byte[] payload, String topic, String key, long timestampMillis) {
        if (pack.count() == 0) {
            group = new OffsetTracker.Group();
            packTopic = topic;
            packKey = key;
            packTimestamp = timestampMillis;
        }
        group.add(batch);
        pack.add(payload);
    }

    /**
     * Sends the events packed so far, if any. The sources call it at the end of each read round, after a
     * multi-line event was sent on its timeout, and when they stop, so packing adds no latency.
     *
     * @return false when the agent stopped while the pack waited for room to send (its events then stay
     *         unacknowledged, so the checkpoint stays before them)
     */
    boolean flush() {
        if (pack == null || pack.count() == 0) {
            return true;
        }
        int events = pack.count();
        Message message = pack.take(Message.builder(packTopic).key(packKey).timestampMillis(packTimestamp));
        OffsetTracker.Group sent = group;
        group = null;
        if (!shipper.send(message, events, sent, meters, stopping)) {
            return false;
        }
        sent.release();
        return true;
    }

    /** Cuts the message so that the event fits the broker's limit even if every char became a 6-byte escape. */
    private byte[] shorten(String key, int keyBytes) {
        if (!event.hasTag(Event.TAG_TRUNCATED)) {
            event.tag(Event.TAG_TRUNCATED);
            meters.truncated.increment();
        }
        int overhead = writer.write(event, 1).length;
        int chars = (int) Math.max(1, (maxMessageBytes - keyBytes - overhead) / 6);
        return writer.write(event, chars);
    }
}
