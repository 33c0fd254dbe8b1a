package io.polybus;

import io.polybus.internal.Ids;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One message: a topic, an optional key, a binary payload, string headers, a timestamp and an id.
 *
 * <p>Immutable and safe to share between threads. Byte arrays are copied on the way in and on the
 * way out of the public accessors, so nothing a caller does to an array changes a message. Build one
 * with {@link #builder(String)}:
 *
 * <pre>{@code
 * Message m = Message.builder("orders").key("customer-42").payload("{\"total\":12}")
 *         .header("content-type", "application/json").build();
 * }</pre>
 *
 * <p>The key is the unit of ordering and partitioning (see {@link Capability#ORDERED_BY_KEY}).
 *
 * <p>The id names the message for its consumers: it is unique per message and stays the same on every
 * redelivery, on requeued copies and in the dead-letter topic, so consumers can use it to recognise duplicates.
 * An id given to the builder ({@link Builder#id}) travels with the message and is the id consumers see. Without
 * one, a broker that names what it stores names the message (Kafka {@code <topic>-<partition>@<offset>}, NATS
 * {@code <topic>@<stream sequence>}) and nothing extra travels; any other broker carries a generated id.
 * {@link Receipt#messageId()} names the id consumers see either way. Here, {@link #id()} of a message built
 * without one is generated when first asked for (once made it never changes): it is the id consumers see only
 * on brokers that carry it, so a producer correlates by its receipts, or gives the ids it needs.
 * (The contract's "Message ids" section, docs/contract.md.)
 */
public final class Message {
    private static final byte[] EMPTY = new byte[0];
    private static final VarHandle GENERATED_ID;

    static {
        try {
            GENERATED_ID = MethodHandles.lookup().findVarHandle(Message.class, "generatedId", String.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final String topic;
    private final byte[] key;
    private final byte[] payload;
    private final Map<String, String> headers;
    private final long timestampMillis;
    /** The id given to the builder, or null. */
    private final String id;
    /** Whether the timestamp was given to the builder (else it is the time of {@link Builder#build()}). */
    private final boolean timestampGiven;
    /**
     * Without a given id: the generated id of the message this one was copied from ({@link #toBuilder()}), or null
     * until the id is first asked for, then set once, by compare-and-set.
     */
    private String generatedId;

    private Message(String topic, byte[] key, byte[] payload, Map<String, String> headers, long timestampMillis,
                    boolean timestampGiven, String id, String generatedId) {
        this.topic = topic;
        this.key = key;
        this.payload = payload;
        this.headers = headers;
        this.timestampMillis = timestampMillis;
        this.timestampGiven = timestampGiven;
        this.id = id;
        this.generatedId = generatedId;
    }

    /** Starts a message for {@code topic}. */
    public static Builder builder(String topic) {
        return new Builder(topic);
    }

    /**
     * A builder holding everything of this message, to derive a changed copy: same id and timestamp unless changed,
     * each still given or not as it was here ({@link #hasGivenId()}, {@link #hasGivenTimestamp()}).
     */
    public Builder toBuilder() {
        Builder b = new Builder(topic);
        b.key = key;
        b.payload = payload;
        if (!headers.isEmpty()) {
            b.headers = new LinkedHashMap<>(headers);
        }
        b.timestampMillis = timestampMillis;
        b.timestampGiven = timestampGiven;
        b.id = id;
        // A copy that a broker carries with a generated id carries this message's one.
        b.generatedId = id == null ? id() : null;
        return b;
    }

    public String topic() {
        return topic;
    }

    /** A copy of the key, or {@code null} when the message has none. */
    public byte[] key() {
        return key == null ? null : key.clone();
    }

    /** The key decoded as UTF-8, or {@code null}. */
    public String keyAsString() {
        return key == null ? null : new String(key, StandardCharsets.UTF_8);
    }

    /** A copy of the payload; never null (an empty payload is an empty array). */
    public byte[] payload() {
        return payload.clone();
    }

    /** The payload decoded as UTF-8. */
    public String payloadAsString() {
        return new String(payload, StandardCharsets.UTF_8);
    }

    /** The payload decoded with {@code codec}. */
    public <T> T payload(Codec<T> codec) {
        return codec.decode(payload);
    }

    public int payloadSize() {
        return payload.length;
    }

    /** Approximate bytes this message occupies on the wire: key, payload and headers. */
    public int sizeInBytes() {
        int size = payload.length + (key == null ? 0 : key.length);
        if (!headers.isEmpty()) {
            for (Map.Entry<String, String> h : headers.entrySet()) {
                size += h.getKey().length() + h.getValue().length();
            }
        }
        return size;
    }

    /** Unmodifiable headers, in the order they were added. */
    public Map<String, String> headers() {
        return headers;
    }

    /** The header's value, or {@code null}. */
    public String header(String name) {
        return headers.get(name);
    }

    public Instant timestamp() {
        return Instant.ofEpochMilli(timestampMillis);
    }

    public long timestampMillis() {
        return timestampMillis;
    }

    /**
     * Whether the timestamp was given to the builder, rather than taken at {@link Builder#build()}. A broker that
     * stores a time of its own for each message may carry only a given timestamp; its consumers then see the time
     * it stored the message.
     */
    public boolean hasGivenTimestamp() {
        return timestampGiven;
    }

    /**
     * Whether the id was given to the builder ({@link Builder#id}), rather than left to be generated: every
     * message a consumer receives has one (the id it was delivered with). Broker modules carry a given id with the
     * message; without one, a broker that names what it stores lets consumers see its name instead.
     */
    public boolean hasGivenId() {
        return id != null;
    }

    public String id() {
        if (id != null) {
            return id;
        }
        String generated = generatedId;
        if (generated != null) {
            return generated;
        }
        String fresh = Ids.next();
        String won = (String) GENERATED_ID.compareAndExchange(this, (String) null, fresh);
        return won == null ? fresh : won;
    }

    /**
     * The key without copying it. For broker modules on their hot path; callers must not modify the array.
     */
    public byte[] unsafeKey() {
        return key;
    }

    /**
     * The payload without copying it. For broker modules on their hot path; callers must not modify the array.
     */
    public byte[] unsafePayload() {
        return payload;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Message other)) {
            return false;
        }
        return timestampMillis == other.timestampMillis && topic.equals(other.topic) && id().equals(other.id())
                && Arrays.equals(key, other.key) && Arrays.equals(payload, other.payload)
                && headers.equals(other.headers);
    }

    @Override
    public int hashCode() {
        return Objects.hash(topic, id());
    }

    @Override
    public String toString() {
        return "Message{topic=" + topic + ", id=" + id() + ", key=" + (key == null ? "null" : key.length + "B")
                + ", payload=" + payload.length + "B, headers=" + headers.keySet() + "}";
    }

    /** Builds a {@link Message}. Not thread-safe; each {@link #build()} returns an independent message. */
    public static final class Builder {
        private final String topic;
        private byte[] key;
        private byte[] payload = EMPTY;
        private Map<String, String> headers;
        private long timestampMillis = -1;
        private boolean timestampGiven;
        private String id;
        /** From {@link Message#toBuilder()}: the generated id of the message copied, or null. */
        private String generatedId;

        private Builder(String topic) {
            Objects.requireNonNull(topic, "topic");
            if (topic.isBlank()) {
                throw new IllegalArgumentException("topic must not be blank");
            }
            this.topic = topic;
        }

        /** Key bytes (copied), or {@code null} for no key. */
        public Builder key(byte[] key) {
            this.key = key == null ? null : key.clone();
            return this;
        }

        /**
         * Key bytes without copying them, or {@code null} for no key: the message takes the array over. For
         * broker modules and senders on their hot path that own the array; nobody may modify it afterwards.
         */
        public Builder unsafeKey(byte[] key) {
            this.key = key;
            return this;
        }

        /** Key as UTF-8, or {@code null} for no key. */
        public Builder key(String key) {
            this.key = key == null ? null : key.getBytes(StandardCharsets.UTF_8);
            return this;
        }

        /** Payload bytes (copied). */
        public Builder payload(byte[] payload) {
            this.payload = Objects.requireNonNull(payload, "payload").clone();
            return this;
        }

        /**
         * Payload bytes without copying them: the message takes the array over. For broker modules and senders
         * on their hot path that own the array; nobody may modify it afterwards.
         */
        public Builder unsafePayload(byte[] payload) {
            this.payload = Objects.requireNonNull(payload, "payload");
            return this;
        }

        /** Payload as UTF-8. */
        public Builder payload(String payload) {
            this.payload = Objects.requireNonNull(payload, "payload").getBytes(StandardCharsets.UTF_8);
            return this;
        }

        /** Payload encoded with {@code codec}. */
        public <T> Builder payload(T value, Codec<T> codec) {
            this.payload = codec.encode(value);
            return this;
        }

        public Builder header(String name, String value) {
            Objects.requireNonNull(name, "header name");
            Objects.requireNonNull(value, () -> "value of header " + name);
            if (headers == null) {
                headers = new LinkedHashMap<>();
            }
            headers.put(name, value);
            return this;
        }

        public Builder headers(Map<String, String> headers) {
            headers.forEach(this::header);
            return this;
        }

        public Builder removeHeader(String name) {
            if (headers != null) {
                headers.remove(name);
            }
            return this;
        }

        /** Timestamp; defaults to the time of {@link #build()}. */
        public Builder timestamp(Instant timestamp) {
            return timestampMillis(timestamp.toEpochMilli());
        }

        /** Timestamp in epoch milliseconds; see {@link #timestamp(Instant)}. */
        public Builder timestampMillis(long epochMillis) {
            this.timestampMillis = epochMillis;
            this.timestampGiven = true;
            return this;
        }

        /**
         * Id, which then travels with the message and is the id its consumers see; without one, consumers see the
         * broker's name for the stored message, or a generated id (see {@link Message}).
         */
        public Builder id(String id) {
            this.id = Objects.requireNonNull(id, "id");
            this.generatedId = null;
            return this;
        }

        public Message build() {
            Map<String, String> h = headers == null || headers.isEmpty()
                    ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(headers));
            boolean given = timestampGiven && timestampMillis >= 0;
            long millis = timestampMillis >= 0 ? timestampMillis : System.currentTimeMillis();
            return new Message(topic, key, payload, h, millis, given, id, generatedId);
        }
    }
}
