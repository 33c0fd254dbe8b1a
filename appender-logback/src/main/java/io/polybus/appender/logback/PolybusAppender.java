package io.polybus.appender.logback;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.UnsynchronizedAppenderBase;
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
import org.slf4j.Marker;
import org.slf4j.event.KeyValuePair;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Publishes Logback events to any Polybus broker as event JSON. In {@code logback.xml}:
 *
 * <pre>{@code
 * <appender name="POLYBUS" class="io.polybus.appender.logback.PolybusAppender">
 *   <broker>type=kafka; bootstrap-servers=${KAFKA:-localhost:9092}</broker>
 *   <service>shop</service>
 * </appender>
 * }</pre>
 *
 * {@code <broker>} holds the broker's keys ({@link AppenderSettings#brokerConfig}); every other element is a key of
 * {@link AppenderSettings#CONFIG_DEF} in camel case ({@code queueCapacity} for {@code queue-capacity}). Secrets come
 * through Logback's own substitution ({@code ${NAME}} from properties or the environment). A bad key is reported
 * through Logback's status at start-up, naming the key, and the appender stays stopped.
 *
 * <p>A log call costs the encoding of the event and a queue offer; the broker is reached by a background thread
 * (see {@link EventPublisher} for the overflow policies, the spool and shutdown). Events of the broker clients'
 * loggers and events logged from inside the appender are not published (counted as {@code excluded}).
 *
 * <p>Thread-safe, without a lock on the logging path.
 */
public class PolybusAppender extends UnsynchronizedAppenderBase<ILoggingEvent> {
    private final Map<String, String> keys = new LinkedHashMap<>();
    private String broker = "";
    private volatile EventPublisher publisher;
    private AppenderSettings settings;
    private EventEncoder encoder;

    public void setBroker(String broker) {
        this.broker = broker;
    }

    public void setTopic(String value) {
        keys.put("topic", value);
    }

    public void setService(String value) {
        keys.put("service", value);
    }

    public void setHost(String value) {
        keys.put("host", value);
    }

    public void setQueueCapacity(String value) {
        keys.put("queue-capacity", value);
    }

    public void setOverflow(String value) {
        keys.put("overflow", value);
    }

    public void setBlockTimeout(String value) {
        keys.put("block-timeout", value);
    }

    public void setSpoolDir(String value) {
        keys.put("spool-dir", value);
    }

    public void setSpoolMaxBytes(String value) {
        keys.put("spool-max-bytes", value);
    }

    public void setBatchSize(String value) {
        keys.put("batch-size", value);
    }

    public void setSendTimeout(String value) {
        keys.put("send-timeout", value);
    }

    public void setRetryBackoff(String value) {
        keys.put("retry-backoff", value);
    }

    public void setRetryBackoffMax(String value) {
        keys.put("retry-backoff-max", value);
    }

    public void setShutdownTimeout(String value) {
        keys.put("shutdown-timeout", value);
    }

    public void setExcludedLoggers(String value) {
        keys.put("excluded-loggers", value);
    }

    @Override
    public void start() {
        try {
            Config brokerConfig = AppenderSettings.brokerConfig(broker);
            List<ConfigException.Problem> problems = Brokers.validate(brokerConfig);
            if (!problems.isEmpty()) {
                throw new ConfigException(problems);
            }
            settings = AppenderSettings.from(Config.of(keys));
            encoder = new EventEncoder("logback", settings);
            EventPublisher p = new EventPublisher(getName(), brokerConfig, settings);
            p.bindTo(Metrics.globalRegistry);
            p.start();
            publisher = p;
        } catch (ConfigException | IllegalArgumentException | IllegalStateException e) {
            addError("appender '" + getName() + "' not started: " + e.getMessage());
            return;
        }
        super.start();
    }

    @Override
    protected void append(ILoggingEvent event) {
        EventPublisher p = publisher;
        if (settings.excluded(event.getLoggerName()) || !RecursionGuard.enter()) {
            p.excluded();
            return;
        }
        try {
            p.publish(encoder.encode(record(event)));
        } finally {
            RecursionGuard.exit();
        }
    }

    private static LogRecord record(ILoggingEvent e) {
        List<String> markers = List.of();
        if (e.getMarkerList() != null && !e.getMarkerList().isEmpty()) {
            markers = new ArrayList<>();
            for (Marker m : e.getMarkerList()) {
                addMarker(m, markers);
            }
        }
        Map<String, Object> args = Map.of();
        List<KeyValuePair> kvs = e.getKeyValuePairs();
        if (kvs != null && !kvs.isEmpty()) {
            args = new LinkedHashMap<>();
            for (KeyValuePair kv : kvs) {
                args.put(kv.key, kv.value);
            }
        }
        IThrowableProxy t = e.getThrowableProxy();
        LogRecord.ErrorInfo error = t == null ? null
                : new LogRecord.ErrorInfo(t.getClassName(), t.getMessage(), ThrowableProxyUtil.asString(t));
        return new LogRecord(e.getTimeStamp(), e.getLevel().toString(), e.getLoggerName(), e.getThreadName(),
                e.getFormattedMessage(), e.getMDCPropertyMap(), markers, args, error);
    }

    private static void addMarker(Marker m, List<String> out) {
        out.add(m.getName());
        for (Iterator<Marker> it = m.iterator(); it.hasNext(); ) {
            addMarker(it.next(), out);
        }
    }

    /** Stops publishing: see {@link EventPublisher#close()} for the bounded flush and the spool. */
    @Override
    public void stop() {
        EventPublisher p = publisher;
        super.stop();
        if (p != null) {
            p.close();
        }
    }

    /** What the appender did so far; zeros before it started. */
    public PublisherStats stats() {
        EventPublisher p = publisher;
        return p == null ? new PublisherStats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, false) : p.stats();
    }
}
