package io.polybus.monitor.internal.notifiers;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.polybus.monitor.Alert;
import io.polybus.monitor.Notifier;
import io.polybus.spi.ConfigDef;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;

/**
 * Posts alerts to Prometheus Alertmanager's {@code /api/v2/alerts}: labels {@code alertname} (the rule), {@code
 * severity}, the {@code group-by} field with the group's value and the configured ones; the summary and the notice's
 * figures as annotations; {@code startsAt} when the alert fired. A firing alert's {@code endsAt} lies {@link
 * #VALID_FOR_RESENDS} × {@code resend-every} ahead and every firing alert is posted again each {@code resend-every},
 * so Alertmanager keeps it firing while the monitor runs, and resolves it by itself once a stopped monitor stops
 * posting; a resolved notice posts {@code endsAt} = the time it resolved.
 *
 * <p>{@link #send} runs on the monitor's notifier thread and the resends on a thread of their own; one lock orders
 * their posts, so a resend of an alert never reaches Alertmanager after its resolved notice. A firing notice that
 * could not be posted is posted again with the next resend.
 */
final class AlertmanagerNotifier implements Notifier, MeterBinder {
    private static final Logger log = LoggerFactory.getLogger(AlertmanagerNotifier.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A firing alert's {@code endsAt}, in resend periods ahead of its post (as Prometheus does). */
    static final int VALID_FOR_RESENDS = 4;
    private static final Pattern NOT_IN_LABEL_NAME = Pattern.compile("[^a-zA-Z0-9_]");

    private final String name;
    private final HttpPoster poster;
    private final Map<String, String> labels;
    private final Duration resendEvery;
    private final Clock clock;
    private final ReentrantLock posting = new ReentrantLock();
    /** The alerts firing, by id; guarded by {@link #posting}. */
    private final Map<String, Alert> firing = new LinkedHashMap<>();
    private final ScheduledExecutorService resender;
    private final LongAdder resent = new LongAdder();
    private final LongAdder resendsFailed = new LongAdder();

    AlertmanagerNotifier(String name, HttpPoster poster, Map<String, String> labels, Duration resendEvery, Clock clock) {
        this.name = name;
        this.poster = poster;
        this.labels = Map.copyOf(labels);
        this.resendEvery = resendEvery;
        this.clock = clock;
        this.resender = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "polybus-monitor-alertmanager-" + name);
            t.setDaemon(true);
            return t;
        });
        long period = resendEvery.toMillis();
        resender.scheduleWithFixedDelay(this::resend, period, period, TimeUnit.MILLISECONDS);
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        poster.bindTo(registry);
        resends(registry, "sent", resent);
        resends(registry, "failed", resendsFailed);
    }

    private void resends(MeterRegistry registry, String outcome, LongAdder count) {
        FunctionCounter.builder("polybus.monitor.notification.resends", count, LongAdder::sum).tag("notifier", name)
                .tag("outcome", outcome).description("Posts of the firing alerts again, so that Alertmanager keeps them")
                .register(registry);
    }

    @Override
    public void send(Alert alert) throws IOException, InterruptedException {
        posting.lockInterruptibly();
        try {
            if (alert.status() == Alert.Status.FIRING) {
                firing.put(alert.id(), alert);
            } else {
                firing.remove(alert.id());
            }
            poster.post(body(List.of(alert)), "alert " + alert.id());
        } finally {
            posting.unlock();
        }
    }

    private void resend() {
        try {
            posting.lockInterruptibly();
        } catch (InterruptedException e) {
            return;
        }
        try {
            if (firing.isEmpty()) {
                return;
            }
            poster.post(body(firing.values()), firing.size() + " firing alerts");
            resent.increment();
        } catch (IOException e) {
            resendsFailed.increment();
            log.warn("notifier '{}' could not post the {} firing alerts again: {}", name, firing.size(), e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            resendsFailed.increment();
            log.error("notifier '{}' failed posting the firing alerts again", name, e);
        } finally {
            posting.unlock();
        }
    }

    /** The JSON list Alertmanager takes. */
    byte[] body(Collection<Alert> alerts) {
        Instant validUntil = clock.instant().plus(resendEvery.multipliedBy(VALID_FOR_RESENDS));
        ArrayNode list = JSON.createArrayNode();
        for (Alert alert : alerts) {
            ObjectNode o = list.addObject();
            ObjectNode l = o.putObject("labels");
            labels.forEach(l::put);
            l.put("alertname", alert.rule());
            l.put("severity", alert.severity());
            if (alert.groupBy() != null) {
                l.put(labelName(alert.groupBy()), alert.group());
            }
            ObjectNode a = o.putObject("annotations");
            a.put("summary", alert.summary());
            a.put("rule_type", alert.ruleType());
            a.put("count", Long.toString(alert.count()));
            if (alert.threshold() != null) {
                a.put("threshold", alert.threshold().toString());
            }
            if (alert.window() != null) {
                a.put("window", ConfigDef.formatDuration(alert.window()));
            }
            o.put("startsAt", alert.startedAt().toString());
            o.put("endsAt", (alert.status() == Alert.Status.FIRING ? validUntil : alert.at()).toString());
        }
        return list.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** A field path as a Prometheus label name: {@code fields.status} → {@code fields_status}. */
    static String labelName(String fieldPath) {
        String name = NOT_IN_LABEL_NAME.matcher(fieldPath).replaceAll("_");
        return Character.isDigit(name.charAt(0)) ? "_" + name : name;
    }

    /** Stops the resends; alerts still firing stay so in Alertmanager until their {@code endsAt}. */
    @Override
    public void close() {
        resender.shutdownNow();
    }
}
