package io.polybus.zeromq.internal;

import io.polybus.spi.ConfigDef;
import io.polybus.spi.ConfigDef.Type;
import io.polybus.spi.ProviderConfig;

import java.time.Duration;
import java.util.List;

/** The parsed configuration of one ZeroMQ broker. Immutable. */
public record ZmqSettings(String subscriberEndpoint, List<String> publisherEndpoints, int highWaterMark,
                          Duration linger, Duration connectWait, Duration subscribeWait, long maxMessageBytes) {

    static final String SUBSCRIBER_ENDPOINT = "subscriber-endpoint";
    static final String PUBLISHER_ENDPOINTS = "publisher-endpoints";
    static final String HIGH_WATER_MARK = "high-water-mark";
    static final String LINGER = "linger";
    static final String CONNECT_WAIT = "connect-wait";
    static final String SUBSCRIBE_WAIT = "subscribe-wait";
    static final String MAX_MESSAGE_BYTES = "max-message-bytes";

    private static final ConfigDef.Validator ENDPOINT = v -> {
        List<?> endpoints = v instanceof List<?> l ? l : List.of(v);
        if (endpoints.isEmpty()) {
            return "at least one ZeroMQ endpoint such as tcp://127.0.0.1:5556";
        }
        for (Object e : endpoints) {
            String s = String.valueOf(e);
            if (!(s.startsWith("tcp://") || s.startsWith("ipc://") || s.startsWith("inproc://")) || s.indexOf("://") + 3 >= s.length()) {
                return "ZeroMQ endpoints such as tcp://127.0.0.1:5556 (tcp://, ipc:// or inproc://)";
            }
        }
        return null;
    };

    public static final ConfigDef DEFINITION = ConfigDef.builder("zeromq")
            .define(SUBSCRIBER_ENDPOINT, Type.STRING, "tcp://127.0.0.1:5556", ENDPOINT,
                    "Where this process's consumers listen: the first `subscribe` binds it (tcp://*:5556 for every "
                            + "interface), and every topic of the process arrives there.")
            .define(PUBLISHER_ENDPOINTS, Type.LIST, "tcp://127.0.0.1:5556", ENDPOINT,
                    "Where producers send: each producer connects to every one (the subscriber endpoints of the "
                            + "consuming processes); each gets the messages of the topics its consumers subscribed to.")
            .define(HIGH_WATER_MARK, Type.INT, "10000", ConfigDef.between(1, 10_000_000),
                    "Messages queued per connection on either side; a producer whose subscriber is that far behind "
                            + "waits (its `block-timeout`) instead of dropping.")
            .define(LINGER, Type.DURATION, "1s",
                    "How long a closing producer keeps trying to hand over what it still has queued.")
            .define(CONNECT_WAIT, Type.DURATION, "2s",
                    "How long `producer()` waits, per endpoint that accepts the connection, for its subscriptions: "
                            + "messages sent before they arrive would be dropped.")
            .define(SUBSCRIBE_WAIT, Type.DURATION, "2s",
                    "How long `subscribe` waits for the connected producers to confirm the new subscription.")
            .define(MAX_MESSAGE_BYTES, Type.SIZE, "8MiB", ConfigDef.between(1, Integer.MAX_VALUE - 1024),
                    "Largest message (key + payload + headers) `send` accepts; consumers refuse larger frames.")
            .build();

    public static ZmqSettings from(ProviderConfig c) {
        return new ZmqSettings(c.getString(SUBSCRIBER_ENDPOINT).trim(), c.getList(PUBLISHER_ENDPOINTS),
                c.getInt(HIGH_WATER_MARK), c.getDuration(LINGER), c.getDuration(CONNECT_WAIT), c.getDuration(SUBSCRIBE_WAIT),
                c.getSize(MAX_MESSAGE_BYTES));
    }
}
