package io.polybus.appender.log4j2;

import io.micrometer.core.instrument.Metrics;
import io.polybus.Brokers;
import io.polybus.Config;
import io.polybus.ConfigException;
import io.polybus.appender.AppenderSettings;
import io.polybus.appender.EventEncoder;
import io.polybus.appender.EventPublisher;
import io.polybus.appender.LogRecord;
import io.polybus.appender.PublisherStats;
import io.polybus.appender.RecursionGuard;
import org.apache.logging.log4j.Marker;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.Core;
import org.apache.logging.log4j.core.Filter;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;
import org.apache.logging.log4j.core.config.plugins.Plugin;
import org.apache.logging.log4j.core.config.plugins.PluginBuilderAttribute;
import org.apache.logging.log4j.core.config.plugins.PluginBuilderFactory;
import org.apache.logging.log4j.core.config.plugins.validation.constraints.Required;
import org.apache.logging.log4j.message.MapMessage;
import org.apache.logging.log4j.message.Message;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Publishes Log4j2 events to any Polybus broker as event JSON. In {@code log4j2.xml}:
 *
 * <pre>{@code
 * <Polybus name="POLYBUS" broker="type=kafka; bootstrap-servers=${env:KAFKA:-localhost:9092}" service="shop">
 *   <Property name="kafka.sasl.jaas.config" value="${env:KAFKA_JAAS}"/>
 * </Polybus>
 * }</pre>
 *
 * {@code broker} holds the broker's keys ({@link AppenderSettings#brokerConfig}) and nested {@code <Property>}
 * elements add more; every other attribute is a key of {@link AppenderSettings#CONFIG_DEF} in camel case
 * ({@code queueCapacity} for {@code queue-capacity}). Secrets come through Log4j2's lookups ({@code ${env:NAME}}).
 * A bad key is reported through Log4j2's status logger at start-up, naming the key, and no appender is made.
 *
 * <p>A log call costs the encoding of the event and a queue offer; the broker is reached by a background thread
 * (see {@link EventPublisher} for the overflow policies, the spool and shutdown). Events of the broker clients'
 * loggers and events logged from inside the appender are not published (counted as {@code excluded}).
 *
 * <p>Thread-safe, without a lock on the logging path.
 */
@Plugin(name = "Polybus", category = Core.CATEGORY_NAME, elementType = Appender.ELEMENT_TYPE, printObject = true)
public final class PolybusAppender extends AbstractAppender {
    private final EventPublisher publisher;
    private final AppenderSettings settings;
    private final EventEncoder encoder;

    private PolybusAppender(String name, Filter filter, boolean ignoreExceptions, Property[] properties,
                            EventPublisher publisher) {
        super(name, filter, null, ignoreExceptions, properties);
        this.publisher = publisher;
        this.settings = publisher.settings();
        this.encoder = new EventEncoder("log4j2", settings);
    }

    @PluginBuilderFactory
    public static Builder newBuilder() {
        return new Builder();
    }

    /** The {@code <Polybus>} element's attributes; its nested {@code <Property>} elements are broker keys. */
    public static final class Builder extends AbstractAppender.Builder<Builder>
            implements org.apache.logging.log4j.core.util.Builder<PolybusAppender> {
        @PluginBuilderAttribute
        @Required(message = "a Polybus appender needs broker, e.g. broker=\"type=kafka; bootstrap-servers=localhost:9092\"")
        private String broker;
        @PluginBuilderAttribute
        private String topic;
        @PluginBuilderAttribute
        private String service;
        @PluginBuilderAttribute
        private String host;
        @PluginBuilderAttribute
        private String queueCapacity;
        @PluginBuilderAttribute
        private String overflow;
        @PluginBuilderAttribute
        private String blockTimeout;
        @PluginBuilderAttribute
        private String spoolDir;
        @PluginBuilderAttribute
        private String spoolMaxBytes;
        @PluginBuilderAttribute
        private String batchSize;
        @PluginBuilderAttribute
        private String sendTimeout;
        @PluginBuilderAttribute
        private String retryBackoff;
        @PluginBuilderAttribute
        private String retryBackoffMax;
        @PluginBuilderAttribute
        private String shutdownTimeout;
        @PluginBuilderAttribute
        private String excludedLoggers;

        public Builder setBroker(String value) {
            this.broker = value;
            return this;
        }

        public Builder setTopic(String value) {
            this.topic = value;
            return this;
        }

        public Builder setService(String value) {
            this.service = value;
            return this;
        }

        public Builder setHost(String value) {
            this.host = value;
            return this;
        }

        public Builder setQueueCapacity(String value) {
            this.queueCapacity = value;
            return this;
        }

        public Builder setOverflow(String value) {
            this.overflow = value;
            return this;
        }

        public Builder setBlockTimeout(String value) {
            this.blockTimeout = value;
            return this;
        }

        public Builder setSpoolDir(String value) {
            this.spoolDir = value;
            return this;
        }

        public Builder setSpoolMaxBytes(String value) {
            this.spoolMaxBytes = value;
            return this;
        }

        public Builder setBatchSize(String value) {
            this.batchSize = value;
            return this;
        }

        public Builder setSendTimeout(String value) {
            this.sendTimeout = value;
            return this;
        }

        public Builder setRetryBackoff(String value) {
            this.retryBackoff = value;
            return this;
        }

        public Builder setRetryBackoffMax(String value) {
            this.retryBackoffMax = value;
            return this;
        }

        public Builder setShutdownTimeout(String value) {
            this.shutdownTimeout = value;
            return this;
        }

        public Builder setExcludedLoggers(String value) {
            this.excludedLoggers = value;
            return this;
        }

        private Map<String, String> keys() {
            Map<String, String> keys = new LinkedHashMap<>();
            put(keys, "topic", topic);
            put(keys, "service", service);
            put(keys, "host", host);
            put(keys, "queue-capacity", queueCapacity);
            put(keys, "overflow", overflow);
            put(keys, "block-timeout", blockTimeout);
            put(keys, "spool-dir", spoolDir);
            put(keys, "spool-max-bytes", spoolMaxBytes);
            put(keys, "batch-size", batchSize);
            put(keys, "send-timeout", sendTimeout);
            put(keys, "retry-backoff", retryBackoff);
            put(keys, "retry-backoff-max", retryBackoffMax);
            put(keys, "shutdown-timeout", shutdownTimeout);
            put(keys, "excluded-loggers", excludedLoggers);
            return keys;
        }

        private static void put(Map<String, String> keys, String key, String value) {
            if (value != null) {
                keys.put(key, value);
            }
        }

        /** The appender, started by Log4j2; null (with the problem on the status logger) for bad keys. */
        @Override
        public PolybusAppender build() {
            try {
                Config brokerConfig = AppenderSettings.brokerConfig(broker);
                if (getPropertyArray() != null) {
                    for (Property p : getPropertyArray()) {
                        brokerConfig = brokerConfig.with(p.getName(), p.getValue());
                    }
                }
                List<ConfigException.Problem> problems = Brokers.validate(brokerConfig);
                if (!problems.isEmpty()) {
                    throw new ConfigException(problems);
                }
                AppenderSettings settings = AppenderSettings.from(Config.of(keys()));
                EventPublisher publisher = new EventPublisher(getName(), brokerConfig, settings);
                return new PolybusAppender(getName(), getFilter(), isIgnoreExceptions(), getPropertyArray(), publisher);
            } catch (ConfigException | IllegalArgumentException | IllegalStateException e) {
                LOGGER.error("appender '{}' not created: {}", getName(), e.getMessage());
                return null;
            }
        }
    }

    @Override
    public void start() {
        publisher.bindTo(Metrics.globalRegistry);
        publisher.start();
        super.start();
    }

    @Override
    public void append(LogEvent event) {
        if (settings.excluded(event.getLoggerName()) || !RecursionGuard.enter()) {
            publisher.excluded();
            return;
        }
        try {
            publisher.publish(encoder.encode(record(event)));
        } finally {
            RecursionGuard.exit();
        }
    }

    private static LogRecord record(LogEvent e) {
        List<String> markers = List.of();
        if (e.getMarker() != null) {
            markers = new ArrayList<>();
            addMarker(e.getMarker(), markers);
        }
        Map<String, Object> args = Map.of();
        Message message = e.getMessage();
        if (message instanceof MapMessage<?, ?> map) {
            args = new LinkedHashMap<>(map.getData());
        }
        Throwable t = e.getThrown();
        LogRecord.ErrorInfo error = null;
        if (t != null) {
            StringWriter trace = new StringWriter();
            t.printStackTrace(new PrintWriter(trace));
            error = new LogRecord.ErrorInfo(t.getClass().getName(), t.getMessage(), trace.toString());
        }
        return new LogRecord(e.getTimeMillis(), e.getLevel().name(), e.getLoggerName(), e.getThreadName(),
                message.getFormattedMessage(), e.getContextData().toMap(), markers, args, error);
    }

    private static void addMarker(Marker m, List<String> out) {
        out.add(m.getName());
        if (m.hasParents()) {
            for (Marker parent : m.getParents()) {
                addMarker(parent, out);
            }
        }
    }

    /** Stops publishing: see {@link EventPublisher#close()} for the bounded flush and the spool. */
    @Override
    public boolean stop(long timeout, TimeUnit timeUnit) {
        setStopping();
        boolean stopped = super.stop(timeout, timeUnit, false);
        publisher.close();
        setStopped();
        return stopped;
    }

    /** What the appender did so far. */
    public PublisherStats stats() {
        return publisher.stats();
    }
}
