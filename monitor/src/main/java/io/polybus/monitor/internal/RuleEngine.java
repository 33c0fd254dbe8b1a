package io.polybus.monitor.internal;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.polybus.events.JsonEvent;
import io.polybus.monitor.Alert;
import io.polybus.monitor.MonitorConfig;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Every rule of a monitor behind one lock: drops duplicate events, offers the rest to each rule, ticks them
 * with the time, and hands the notices they emit to a sink (called under the lock: it must not block).
 * Thread-safe.
 *
 * <p>As a {@link MeterBinder}, per rule: {@code polybus.monitor.rule.evaluations}, {@code .rule.matches},
 * {@code .rule.evictions}, {@code polybus.monitor.alerts} (by {@code status}) and {@code polybus.monitor.alerts.active}; and
 * {@code polybus.monitor.dedup.entries}.
 */
public final class RuleEngine implements MeterBinder {
    /** What became of an offered event. */
    public enum Outcome { EVALUATED, DUPLICATE }

    /** One rule and what it has done, read by the meters from other threads. */
    private record Rule(RuleEvaluator evaluator, AtomicLong evaluations, AtomicLong matches, AtomicLong fired,
                        AtomicLong resolved) {
        Rule(RuleEvaluator evaluator) {
            this(evaluator, new AtomicLong(), new AtomicLong(), new AtomicLong(), new AtomicLong());
        }
    }

    private final List<Rule> rules = new ArrayList<>();
    private final Map<String, Rule> byName = new HashMap<>();
    private final Deduplicator dedup;
    private final Consumer<Alert> sink;
    /** The latest time seen: times reaching the lock out of order (concurrent consumers) are moved up to it. */
    private long lastMillis = Long.MIN_VALUE;

    public RuleEngine(MonitorConfig config, long startMillis, Consumer<Alert> sink) {
        this.dedup = new Deduplicator(config.effectiveDedupWindow().toMillis(), config.dedupMaxEntries());
        for (MonitorConfig.Rule rule : config.rules()) {
            Rule r = new Rule(RuleEvaluator.of(rule, config.samples(), startMillis));
            rules.add(r);
            byName.put(rule.name(), r);
        }
        this.sink = alert -> {
            Rule r = byName.get(alert.rule());
            (alert.status() == Alert.Status.FIRING ? r.fired() : r.resolved()).incrementAndGet();
            sink.accept(alert);
        };
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        for (Rule r : rules) {
            String name = r.evaluator().name();
            FunctionCounter.builder("polybus.monitor.rule.evaluations", r.evaluations(), AtomicLong::get).tag("rule", name)
                    .description("Events a rule looked at").register(registry);
            FunctionCounter.builder("polybus.monitor.rule.matches", r.matches(), AtomicLong::get).tag("rule", name)
                    .description("Events that met a rule's condition").register(registry);
            alerts(registry, name, "firing", r.fired());
            alerts(registry, name, "resolved", r.resolved());
            Gauge.builder("polybus.monitor.alerts.active", this, e -> e.firing(r.evaluator())).tag("rule", name)
                    .description("Alerts of a rule firing now").register(registry);
            FunctionCounter.builder("polybus.monitor.rule.evictions", this, e -> e.evictions(r.evaluator()))
                    .tag("rule", name)
                    .description("Values a rule forgot because it remembered as many as it may (max-values, max-terms)")
                    .register(registry);
        }
        Gauge.builder("polybus.monitor.dedup.entries", this, RuleEngine::dedupEntries)
                .description("Event identities remembered to drop duplicates").register(registry);
    }

    private static void alerts(MeterRegistry registry, String rule, String status, AtomicLong count) {
        FunctionCounter.builder("polybus.monitor.alerts", count, AtomicLong::get).tag("rule", rule).tag("status", status)
                .description("Alert notices made (firing and resolved)").register(registry);
    }

    /**
     * Offers one event, dropping it when its identity ({@link JsonEvent#identity}) was seen within the dedup window.
     *
     * @param messageId the id of the message it came in
     * @param index     its place in a pack, or -1 when the message is one event
     */
    public synchronized Outcome offer(JsonEvent event, String messageId, int index, long nowMillis) {
        long now = monotonic(nowMillis);
        if (!dedup.firstSeen(event.identity(messageId, index), now)) {
            return Outcome.DUPLICATE;
        }
        for (Rule r : rules) {
            r.evaluations().incrementAndGet();
            if (r.evaluator().onEvent(event, now, sink)) {
                r.matches().incrementAndGet();
            }
        }
        return Outcome.EVALUATED;
    }

    /** Lets time act on every rule. */
    public synchronized void tick(long nowMillis) {
        long now = monotonic(nowMillis);
        dedup.evict(now);
        for (Rule r : rules) {
            r.evaluator().tick(now, sink);
        }
    }

    private long monotonic(long nowMillis) {
        lastMillis = Math.max(lastMillis, nowMillis);
        return lastMillis;
    }

    private synchronized double firing(RuleEvaluator rule) {
        return rule.firing();
    }

    private synchronized double evictions(RuleEvaluator rule) {
        return rule.evictions();
    }

    /** The values the rule {@code name} forgot at its cap (see {@link RuleEvaluator#evictions()}). */
    synchronized long evictions(String name) {
        return byName.get(name).evaluator().evictions();
    }

    private synchronized double dedupEntries() {
        return dedup.size();
    }
}
