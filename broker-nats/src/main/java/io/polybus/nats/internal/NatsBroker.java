package io.polybus.nats.internal;

import io.micrometer.core.instrument.MeterRegistry;
import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import io.nats.client.ErrorListener;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.JetStreamOptions;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.api.DiscardPolicy;
import io.nats.client.api.RetentionPolicy;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.api.StreamInfo;
import io.polybus.Broker;
import io.polybus.Capability;
import io.polybus.ClosedException;
import io.polybus.Consumer;
import io.polybus.ConsumerOptions;
import io.polybus.DeliveryHandler;
import io.polybus.PolybusException;
import io.polybus.Producer;
import io.polybus.ProducerOptions;
import io.polybus.StartPosition;
import io.polybus.spi.DeliveryCounters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An open NATS JetStream broker: one connection (reconnecting by itself for as long as the broker is open) shared
 * by its producers and consumers, a stream per topic created on first use, a durable pull consumer per group.
 * Declares its capabilities from the settings of the streams it creates: DURABLE with file storage, REPLAY with
 * limits retention.
 */
public final class NatsBroker implements Broker {
    private static final Logger log = LoggerFactory.getLogger(NatsBroker.class);
    /** The JetStream error codes this broker reacts to. */
    static final int STREAM_NOT_FOUND = 10059;
    static final int CONSUMER_NOT_FOUND = 10014;
    private static final int STREAM_NAME_IN_USE = 10058;
    /** Room left in the server's {@code max_payload} for the headers Polybus adds to each message. */
    static final int RESERVED_HEADER_BYTES = 1024;
    /** How long an ephemeral group's consumer outlives its last pull when its member died without closing. */
    static final Duration EPHEMERAL_INACTIVE_THRESHOLD = Duration.ofMinutes(1);

    final NatsSettings settings;
    final Connection connection;
    final JetStream jetStream;
    private final JetStreamManagement management;
    private final MeterRegistry meters;
    private final Set<Capability> capabilities;
    private final long serverMaxPayload;
    private final long maxMessageBytes;
    private final Map<String, Topic> topics = new ConcurrentHashMap<>();
    /** Keeps the unsettled deliveries of live consumers from expiring; shared by the consumers of this broker. */
    final ScheduledExecutorService ticker;
    private final AtomicInteger members = new AtomicInteger();
    private final AtomicBoolean closed = new AtomicBoolean();

    /** A topic's stream and subject. */
    record Topic(String name, String stream, String subject) {
    }

    private NatsBroker(NatsSettings settings, Connection connection, MeterRegistry meters) throws IOException {
        this.settings = settings;
        this.connection = connection;
        JetStreamOptions jso = JetStreamOptions.builder().requestTimeout(settings.requestTimeout()).build();
        this.jetStream = connection.jetStream(jso);
        this.management = connection.jetStreamManagement(jso);
        this.meters = meters;
        Set<Capability> caps = EnumSet.of(Capability.FANOUT, Capability.ORDERED_BY_KEY, Capability.DEAD_LETTER,
                Capability.PARTITIONED, Capability.AT_LEAST_ONCE, Capability.DELAYED_REQUEUE);
        if (settings.durable()) {
            caps.add(Capability.DURABLE);
        }
        if (settings.replay()) {
            caps.add(Capability.REPLAY);
        }
        this.capabilities = Set.copyOf(caps);
        this.serverMaxPayload = connection.getServerInfo().getMaxPayload();
        long byServer = serverMaxPayload - RESERVED_HEADER_BYTES;
        this.maxMessageBytes = Math.min(byServer, settings.maxMessageBytes().orElse(byServer));
        this.ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "polybus-nats-ticker");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Connects and checks that the server runs JetStream.
     *
     * @throws io.polybus.BrokerUnavailableException naming the servers when none can be reached
     * @throws io.polybus.AuthenticationException    when the server refuses the credentials
     */
    public static NatsBroker open(NatsSettings settings, MeterRegistry meters) {
        Errors errors = new Errors(settings);
        LoggingErrorListener listener = new LoggingErrorListener(settings.address());
        Connection connection;
        try {
            connection = Nats.connect(options(settings, listener));
        } catch (IOException e) {
            throw errors.connecting(e, listener.lastException());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PolybusException("interrupted while connecting to NATS at " + settings.address(), e);
        }
        try {
            if (!connection.getServerInfo().isJetStreamAvailable()) {
                throw new PolybusException("NATS at " + settings.address() + " does not run JetStream (start the server "
                        + "with -js, or enable jetstream in its configuration)");
            }
            NatsBroker broker = new NatsBroker(settings, connection, meters);
            log.info("opened nats at {} (server {}, max payload {} bytes); capabilities {}", settings.address(),
                    connection.getServerInfo().getVersion(), broker.serverMaxPayload, broker.capabilities);
            return broker;
        } catch (IOException | RuntimeException e) {
            closeQuietly(connection);
            throw e instanceof PolybusException pe ? pe : errors.operation(e, "open JetStream");
        }
    }

    private static Options options(NatsSettings s, LoggingErrorListener listener) {
        Options.Builder b = new Options.Builder()
                .servers(s.servers().toArray(new String[0]))
                .connectionTimeout(s.connectTimeout())
                .reconnectWait(s.reconnectWait())
                .maxReconnects(-1)
                .reconnectBufferSize(s.reconnectBufferBytes())
                .requestCleanupInterval(s.requestTimeout())
                .useTimeoutException()
                .dontForceFlushOnRequest()
                .errorListener(listener)
                .connectionListener(new LoggingConnectionListener(s.address()));
        s.connectionName().ifPresent(b::connectionName);
        s.user().ifPresent(u -> b.userInfo(u.toCharArray(), s.password().orElseThrow().value().toCharArray()));
        s.token().ifPresent(t -> b.token(t.value().toCharArray()));
        s.nkeySeed().ifPresent(seed -> b.authHandler(Nats.staticCredentials(null, seed.value().toCharArray())));
        s.credentialsFile().ifPresent(f -> b.authHandler(Nats.credentials(f)));
        if (s.tls().enabled()) {
            // jnats resolves the servers' names and hands the context the address: the check needs the name back.
            b.sslContext(s.tls().sslContextWithParameters(HostNames.of(s.servers())::nameOf));
        }
        return b.build();
    }

    @Override
    public String type() {
        return "nats";
    }

    @Override
    public Set<Capability> capabilities() {
        return capabilities;
    }

    @Override
    public long maxMessageBytes() {
        return maxMessageBytes;
    }

    long serverMaxPayload() {
        return serverMaxPayload;
    }

    @Override
    public Producer producer(ProducerOptions options) {
        ensureOpen();
        return new NatsProducer(this, options);
    }

    @Override
    public Consumer subscribe(ConsumerOptions options, DeliveryHandler handler) {
        ensureOpen();
        Topic topic = topic(options.topic());
        if (options.deadLetterTopic().isPresent()) {
            topic(options.deadLetterTopic().get());
        }
        String durable = Names.name(options.group());
        consumer(topic, durable, options.startFrom(), options.ephemeral());
        DeliveryCounters counters = DeliveryCounters.register(meters, "nats", options.topic(), options.group());
        NatsConsumer consumer = new NatsConsumer(this, topic, durable, options, handler, counters,
                members.incrementAndGet());
        consumer.start();
        return consumer;
    }

    /** The stream and subject of {@code name}, creating the stream on first use. */
    Topic topic(String name) {
        Topic known = topics.get(name);
        if (known != null) {
            return known;
        }
        Topic topic = new Topic(name, settings.streamPrefix() + Names.name(name),
                settings.subjectPrefix() + Names.subject(name));
        ensureStream(topic);
        topics.put(name, topic);
        return topic;
    }

    /** Forgets what is known of {@code topic}, so that its stream is looked up (and created) again. */
    void forget(Topic topic) {
        topics.remove(topic.name());
    }

    void ensureStream(Topic topic) {
        try {
            StreamInfo info = management.getStreamInfo(topic.stream());
            if (!info.getConfiguration().getSubjects().contains(topic.subject())
                    && info.getConfiguration().getSubjects().stream().noneMatch(s -> s.contains("*") || s.contains(">"))) {
                throw new PolybusException("stream '" + topic.stream() + "' on NATS at " + settings.address()
                        + " exists but does not take subject '" + topic.subject() + "' of topic '" + topic.name() + "'");
            }
            return;
        } catch (JetStreamApiException e) {
            if (e.getApiErrorCode() != STREAM_NOT_FOUND) {
                throw new Errors(settings).operation(e, "look up the stream of topic '" + topic.name() + "'");
            }
        } catch (IOException e) {
            throw new Errors(settings).operation(e, "look up the stream of topic '" + topic.name() + "'");
        }
        StreamConfiguration.Builder config = StreamConfiguration.builder()
                .name(topic.stream())
                .subjects(topic.subject())
                .storageType(settings.storage() == NatsSettings.Storage.FILE ? StorageType.File : StorageType.Memory)
                .retentionPolicy(settings.retention() == NatsSettings.Retention.LIMITS ? RetentionPolicy.Limits
                        : RetentionPolicy.Interest)
                .replicas(settings.replicas())
                .discardPolicy(settings.discardNew() ? DiscardPolicy.New : DiscardPolicy.Old)
                .maxMsgSize(serverMaxPayload);
        if (settings.streamMaxBytes() > 0) {
            config.maxBytes(settings.streamMaxBytes());
        }
        if (settings.streamMaxMessages() > 0) {
            config.maxMessages(settings.streamMaxMessages());
        }
        if (!settings.streamMaxAge().isZero()) {
            config.maxAge(settings.streamMaxAge());
        }
        try {
            management.addStream(config.build());
            log.info("created stream '{}' (subject '{}', {} storage, {} retention) on nats at {}", topic.stream(),
                    topic.subject(), settings.storage().name().toLowerCase(Locale.ROOT),
                    settings.retention().name().toLowerCase(Locale.ROOT), settings.address());
        } catch (JetStreamApiException e) {
            if (e.getApiErrorCode() != STREAM_NAME_IN_USE) {
                throw new Errors(settings).operation(e, "create stream '" + topic.stream() + "' for topic '"
                        + topic.name() + "'");
            }
        } catch (IOException e) {
            throw new Errors(settings).operation(e, "create stream '" + topic.stream() + "'");
        }
    }

    /**
     * The durable pull consumer of a group, created when it does not exist: at the end of the stream (it receives
     * what is published from now on) or at its start for {@link StartPosition#EARLIEST}. An existing one is used as
     * it is. An ephemeral group's consumer is deleted by the server once no member pulled for
     * {@link #EPHEMERAL_INACTIVE_THRESHOLD} (a member that died without closing), and by its member's close.
     */
    void consumer(Topic topic, String durable, StartPosition start, boolean ephemeral) {
        String what = "create the group '" + durable + "' on stream '" + topic.stream() + "'";
        try {
            try {
                management.getConsumerInfo(topic.stream(), durable);
            } catch (JetStreamApiException e) {
                if (e.getApiErrorCode() != CONSUMER_NOT_FOUND) {
                    throw e;
                }
                ConsumerConfiguration.Builder group = ConsumerConfiguration.builder();
                if (ephemeral) {
                    group.inactiveThreshold(EPHEMERAL_INACTIVE_THRESHOLD);
                }
                management.addOrUpdateConsumer(topic.stream(), group
                        .durable(durable)
                        .filterSubject(topic.subject())
                        .ackPolicy(AckPolicy.Explicit)
                        .ackWait(settings.ackWait())
                        .maxDeliver(-1)
                        .maxAckPending(settings.maxAckPending())
                        .deliverPolicy(start == StartPosition.EARLIEST ? DeliverPolicy.All : DeliverPolicy.New)
                        .build());
            }
        } catch (JetStreamApiException | IOException e) {
            throw new Errors(settings).operation(e, what);
        }
    }

    /** Deletes an ephemeral group's consumer; a failure is logged (the server deletes it once it is inactive). */
    void deleteConsumer(Topic topic, String durable) {
        try {
            management.deleteConsumer(topic.stream(), durable);
        } catch (JetStreamApiException | IOException | RuntimeException e) {
            log.warn("could not delete the ephemeral group '{}' on stream '{}' at {}: {}", durable, topic.stream(),
                    settings.address(), e.toString());
        }
    }

    private void ensureOpen() {
        if (closed.get()) {
            throw new ClosedException("nats broker at " + settings.address() + " is closed");
        }
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            ticker.shutdownNow();
            closeQuietly(connection);
        }
    }

    private static void closeQuietly(Connection connection) {
        try {
            connection.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The client's asynchronous errors, to SLF4J; the last exception explains a connection that failed. */
    private static final class LoggingErrorListener implements ErrorListener {
        private final String address;
        private volatile Exception last;

        LoggingErrorListener(String address) {
            this.address = address;
        }

        @Override
        public void errorOccurred(Connection conn, String error) {
            log.warn("nats at {} reported: {}", address, error);
        }

        @Override
        public void exceptionOccurred(Connection conn, Exception exp) {
            last = exp;
            log.debug("nats client at {}: {}", address, exp.toString());
        }

        /** The last exception the client reported, or null. */
        Exception lastException() {
            return last;
        }

        @Override
        public void slowConsumerDetected(Connection conn, io.nats.client.Consumer consumer) {
            log.warn("nats at {}: a subscription of this client is a slow consumer", address);
        }
    }

    /** Connection state changes, to SLF4J: a lost connection once, not every failed attempt to get it back. */
    private static final class LoggingConnectionListener implements ConnectionListener {
        private final String address;
        private volatile boolean connected = true;

        LoggingConnectionListener(String address) {
            this.address = address;
        }

        @Override
        public void connectionEvent(Connection conn, Events type) {
            switch (type) {
                case DISCONNECTED -> {
                    if (connected) {
                        connected = false;
                        log.warn("lost the connection to nats at {}; reconnecting", address);
                    }
                }
                case RECONNECTED -> {
                    connected = true;
                    log.info("reconnected to nats at {}", address);
                }
                default -> log.debug("nats at {}: {}", address, type);
            }
        }
    }

    /** How long the ticker waits between keeping unsettled deliveries alive. */
    Duration keepAliveInterval() {
        return settings.ackWait().dividedBy(3);
    }
}
