package io.polybus.agent.internal;

import io.polybus.Codec;
import io.polybus.Message;
import io.polybus.agent.InputProgress;
import io.polybus.agent.Outcome;
import io.polybus.agent.RawLine;
import io.polybus.agent.SourceContext;
import io.polybus.events.EventPack;
import io.polybus.events.EventWriter;
import io.polybus.events.LogEvent;
import io.polybus.events.MutableEvent;
import io.polybus.events.Origin;
import io.polybus.events.Processor;
import io.polybus.events.Template;

import java.io.InputStream;
import java.nio.charset.Charset;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One source's way to the broker, and the {@link SourceContext} it runs with: record, event, processor chain,
 * JSON, topic (the one a processor chose for the event, else the source's template) and key, send. With {@code delivery.events-per-message} above 1, consecutive events for the same
 * topic and key are packed into one message ({@link EventPack}), sent when full, when the topic or key changes,
 * and when the source calls {@link #flush} (at the end of each read round and when it stops). Messages are sent in
 * {@link Shipment}s of an eighth of {@code max-bytes-in-flight}, and at each {@link #flush}. One per source, used
 * by that source's thread only (but {@link #stopping()}).
 */
public final class SourcePipeline implements SourceContext {
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

    /**
     * How many full shipments the in-flight bound holds: enough that the broker works on some while the next one
     * fills, few enough that a shipment is hundreds of messages (one future for all of them).
     */
    private static final int SHIPMENTS_IN_FLIGHT = 8;

    private final String name;
    private final Template topic;
    private final Template key;
    private final MutableEvent event;
    private final EventWriter writer = new EventWriter();
    private final Shipper shipper;
    private final AgentMetrics.SourceMeters meters;
    private final Lifecycle lifecycle;
    private final CheckpointStore checkpoints;
    private final AgentMetrics metrics;
    private final InputStream stdin;
    private final int batchEvents;
    private final int maxRecordBytes;
    private final Processor.Chain first;
    private final long maxMessageBytes;
    private final int eventsPerMessage;
    private final long maxPackBytes;
    /** {@code delivery.record-timestamp: event}: messages carry the event's time instead of the time they are sent. */
    private final boolean eventTimestamps;
    /** The events not yet sent, when packing; null when every event is its own message. */
    private final EventPack pack;
    /** A shipment is sent once its messages hold this many bytes (or at {@link #flush}). */
    private final long shipmentBytes;
    /** The messages not yet sent. */
    private Shipment shipment;

    private InputTracker.Batch batch;
    /** What became of the record being sent; set by the end of the chain, FILTERED unless it is reached. */
    private Outcome outcome;
    private InputTracker.Group group;
    private String packTopic;
    private String packKey;
    private long packTimestamp;

    /**
     * @param processors     the source's chain, in order
     * @param maxRecordBytes the source's {@code max-event-bytes}, for the sources that cut records
     */
    public SourcePipeline(String name, String type, String host, Charset charset, Template topic, Template key,
                          List<Processor> processors, int maxRecordBytes, AgentSettings.Delivery delivery,
                          Shipper shipper, AgentMetrics metrics, CheckpointStore checkpoints, Lifecycle lifecycle,
                          InputStream stdin) {
        this.name = name;
        this.topic = topic;
        this.key = key;
        this.event = new MutableEvent(host, type, name, charset);
        this.shipper = shipper;
        this.metrics = metrics;
        this.meters = metrics.source(name);
        this.checkpoints = checkpoints;
        this.lifecycle = lifecycle;
        this.stdin = stdin;
        this.batchEvents = delivery.batchEvents();
        this.maxRecordBytes = maxRecordBytes;
        this.maxMessageBytes = shipper.maxMessageBytes();
        this.eventsPerMessage = delivery.eventsPerMessage();
        this.maxPackBytes = Math.min(delivery.maxMessageBytes(), maxMessageBytes);
        this.pack = eventsPerMessage > 1 ? new EventPack() : null;
        this.eventTimestamps = delivery.eventTimestamps();
        this.shipmentBytes = Math.max(1, delivery.maxBytesInFlight() / SHIPMENTS_IN_FLIGHT);
        this.shipment = new Shipment(0);
        Processor.Chain next = this::deliver;
        for (int i = processors.size() - 1; i >= 0; i--) {
            Processor p = processors.get(i);
            Processor.Chain after = next;
            next = e -> p.process(e, after);
        }
        this.first = next;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public boolean once() {
        return lifecycle.once();
    }

    @Override
    public boolean stopping() {
        return lifecycle.stopping();
    }

    @Override
    public InputProgress newInput(long startOffset) {
        return new InputTracker(startOffset, batchEvents);
    }

    @Override
    public int batchEvents() {
        return batchEvents;
    }

    @Override
    public int maxRecordBytes() {
        return maxRecordBytes;
    }

    @Override
    public InputStream standardInput() {
        return stdin;
    }

    /** The agent's checkpoint store, for the sources that resume where they were (files). */
    public CheckpointStore checkpoints() {
        return checkpoints;
    }

    /** The agent's meters, for the sources whose meters come and go with their inputs (files). */
    public AgentMetrics metrics() {
        return metrics;
    }

    /** Counts a line cut off for good: its start was read, its end is gone (its file was truncated). */
    public void lineCutOff() {
        meters.cutOff.increment();
    }

    @Override
    public Outcome send(RawLine line, InputProgress progress) {
        meters.read.increment();
        meters.bytesRead.add(line.length());
        event.reset(line.bytes(), line.offset(), line.length(), System.currentTimeMillis(), line.origin(), line.position());
        switch (line.cut()) {
            case SPLIT -> {
                event.tag(MutableEvent.TAG_SPLIT);
                meters.split.increment();
            }
            case TRUNCATED -> {
                event.tag(MutableEvent.TAG_TRUNCATED);
                meters.truncated.increment();
            }
            case WHOLE -> {
            }
        }
        if (event.hasTag(MutableEvent.TAG_INVALID_ENCODING)) {
            meters.invalidEncoding.increment();
        }
        return process((InputTracker) progress, line.endPosition());
    }

    @Override
    public Outcome emit(String message, long timestampMillis, Map<String, Object> fields, InputProgress progress,
                        long endOffset) {
        meters.read.increment();
        event.reset(message, timestampMillis, Origin.NONE, -1);
        event.fields().putAll(fields);
        return process((InputTracker) progress, endOffset);
    }

    private Outcome process(InputTracker tracker, long endOffset) {
        batch = tracker.current();
        outcome = Outcome.FILTERED;
        first.proceed(event);
        if (outcome == Outcome.STOPPED) {
            return outcome;
        }
        if (outcome == Outcome.FILTERED) {
            meters.filtered.increment();
        }
        tracker.record(batch, endOffset);
        return outcome;
    }

    private void deliver(LogEvent e) {
        if (outcome == Outcome.STOPPED) {
            return;
        }
        String t = e.topic() != null ? e.topic() : topic.render(e);
        if (t.isBlank()) {
            t = AgentSettings.DEFAULT_TOPIC;
        }
        String k = key == null ? null : key.render(e);
        byte[] payload = writer.write(event);
        int keyBytes = k == null ? 0 : k.length() * 3;
        if (payload.length + keyBytes > maxMessageBytes) {
            payload = shorten(keyBytes);
        }
        if (pack != null) {
            if (pack.count() > 0 && (!t.equals(packTopic) || !Objects.equals(k, packKey)
                    || packBytes(pack.lengthWith(payload.length), keyBytes) > maxPackBytes) && !closePack()) {
                outcome = Outcome.STOPPED;
                return;
            }
            if (packBytes(payload.length, keyBytes) <= maxPackBytes) {
                addToPack(payload, t, k, e.timestampMillis());
                outcome = Outcome.SENT;
                if (pack.count() >= eventsPerMessage && !closePack()) {
                    outcome = Outcome.STOPPED;
                }
                return;
            }
        }
        Message message = withTimestamp(Message.builder(t).key(k), e.timestampMillis()).payload(payload, AS_IS).build();
        outcome = enqueue(message, 1, batch) ? Outcome.SENT : Outcome.STOPPED;
    }

    /** Adds a message to the shipment, sending the shipment when full; false when the agent stopped first. */
    private boolean enqueue(Message message, int events, InputTracker.Hold hold) {
        shipment.add(message, events, hold);
        return shipment.bytes() < shipmentBytes || ship();
    }

    private boolean ship() {
        if (shipment.isEmpty()) {
            return true;
        }
        Shipment full = shipment;
        shipment = new Shipment(full.size());
        return shipper.send(full, meters, lifecycle::stopping);
    }

    /** The event's time as the message's, or none: the message is then stamped when it is built, just before its send. */
    private Message.Builder withTimestamp(Message.Builder message, long eventMillis) {
        return eventTimestamps ? message.timestampMillis(eventMillis) : message;
    }

    private static long packBytes(int payloadBytes, int keyBytes) {
        return (long) payloadBytes + keyBytes + EventPack.HEADER_BYTES;
    }

    private void addToPack(byte[] payload, String t, String k, long timestampMillis) {
        if (pack.count() == 0) {
            group = new InputTracker.Group();
            packTopic = t;
            packKey = k;
            packTimestamp = timestampMillis;
        }
        group.add(batch);
        pack.add(payload);
    }

    @Override
    public boolean flush() {
        return closePack() && ship();
    }

    /** Puts the pack, if any, into the shipment as one message. */
    private boolean closePack() {
        if (pack == null || pack.count() == 0) {
            return true;
        }
        int events = pack.count();
        Message message = pack.take(withTimestamp(Message.builder(packTopic).key(packKey), packTimestamp));
        InputTracker.Group sent = group;
        group = null;
        boolean shipped = enqueue(message, events, sent);
        sent.release();
        return shipped;
    }

    /** Cuts the message so that the event fits the broker's limit even if every char became a 6-byte escape. */
    private byte[] shorten(int keyBytes) {
        if (!event.hasTag(MutableEvent.TAG_TRUNCATED)) {
            event.tag(MutableEvent.TAG_TRUNCATED);
            meters.truncated.increment();
        }
        int overhead = writer.write(event, 1).length;
        int chars = (int) Math.max(1, (maxMessageBytes - keyBytes - overhead) / 6);
        return writer.write(event, chars);
    }
}
