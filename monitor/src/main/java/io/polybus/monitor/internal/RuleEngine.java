package io.polybus.monitor.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.polybus.monitor.Alert;
import io.polybus.monitor.MonitorConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Every rule of a monitor behind one lock: drops duplicate events, offers the rest to each rule, ticks them
 * with the time, and hands the notices they emit to a sink (called under the lock: it must not block).
 * Thread-safe.
 */
public final class RuleEngine {
    /** What became of an offered event. */
    public enum Outcome { EVALUATED, DUPLICATE }

    private final List<RuleEvaluator> rules = new ArrayList<>();
    private final List<Counter> evaluations = new ArrayList<>();
    private final List<Counter> matches = new ArrayList<>();
    private final Deduplicator dedup;
    private final Consumer<Alert> sink;
    private final MeterRegistry meters;
    /** The latest time seen: times reaching the lock out of order (concurrent consumers) are moved up to it. */
    private long lastMillis = Long.MIN_VALUE;

    public RuleEngine(MonitorConfig config, long startMillis, Consumer<Alert> sink, MeterRegistry meters) {
        this.dedup = new Deduplicator(config.effectiveDedupWindow().toMillis(), config.dedupMaxEntries());
        this.meters = meters;
        for (MonitorConfig.Rule rule : config.rules()) {
            RuleEvaluator evaluator = RuleEvaluator.of(rule, config.samples(), startMillis);
            rules.add(evaluator);
            evaluations.add(Counter.builder("polybus.monitor.rule.evaluations").tag("rule", rule.name())
                    .description("Events a rule looked at").register(meters));
            matches.add(Counter.builder("polybus.monitor.rule.matches").tag("rule", rule.name())
                    .description("Events that met a rule's conditions").register(meters));
            Gauge.builder("polybus.monitor.alerts.active", this, e -> e.firing(evaluator)).tag("rule", rule.name())
                    .description("Alerts of a rule firing now").register(meters);
        }
        Gauge.builder("polybus.monitor.dedup.entries", this, RuleEngine::dedupEntries)
                .description("Event identities remembered to drop duplicates").register(meters);
        this.sink = alert -> {
            Counter.builder("polybus.monitor.alerts").tag("rule", alert.rule())
                    .tag("status", alert.status().name().toLowerCase())
                    .description("Alert notices made (firing and resolved)").register(this.meters).increment();
            sink.accept(alert);
        };
    }

    /** Offers one event, dropping it when its identity was seen within the dedup window. */
    public synchronized Outcome offer(JsonNode json, String messageId, long nowMillis) {
        long now = monotonic(nowMillis);
        String identity = Event.identityOf(json, messageId);
        if (!dedup.firstSeen(identity, now)) {
            return Outcome.DUPLICATE;
        }
        Event event = new Event(json, now);
        for (int i = 0; i < rules.size(); i++) {
            evaluations.get(i).increment();
            if (rules.get(i).onEvent(event, sink)) {
                matches.get(i).increment();
            }
        }
        return Outcome.EVALUATED;
    }

    /** Lets time act on every rule. */
    public synchronized void tick(long nowMillis) {
        long now = monotonic(nowMillis);
        dedup.evict(now);
        for (RuleEvaluator rule : rules) {
            rule.tick(now, sink);
        }
    }

    private long monotonic(long nowMillis) {
        lastMillis = Math.max(lastMillis, nowMillis);
        return lastMillis;
    }

    private synchronized double firing(RuleEvaluator rule) {
        return rule.firing();
    }

    private synchronized double dedupEntries() {
        return dedup.size();
    }
}
