package io.polybus.monitor.internal;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.polybus.events.FieldPath;
import io.polybus.events.JsonEvent;
import io.polybus.monitor.Alert;
import io.polybus.monitor.MonitorConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Serializable;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Every rule of a monitor behind one lock: drops duplicate events, offers the rest to each rule, ticks them
 * with the time, and hands the notices they emit to a sink (called under the lock: it must not block).
 * Thread-safe.
 *
 * <p>Time. With {@code time: event} the rules' clock is event time: it jumps to the latest event timestamp seen, and
 * runs on with the arrival clock while no later one comes (so silences and quiet windows still end). An event
 * further behind that clock than {@code allowed-lateness} is late: counted, and offered to no rule (it would land in a
 * window that is judged already). A notice made while the clock is more than {@code notify-max-age} behind the
 * arrival clock (a backlog being replayed) updates the rules' state but is not sent, nor is the resolved notice of an
 * alert whose firing notice was held back; such an alert still firing once the clock has caught up is sent then. With {@code time: arrival} the clock is the arrival clock.
 *
 * <p>As a {@link MeterBinder}, per rule: {@code polybus.monitor.rule.evaluations}, {@code .rule.matches},
 * {@code .rule.evictions}, {@code polybus.monitor.alerts} (by {@code status}) and {@code polybus.monitor.alerts.active}; and
 * {@code polybus.monitor.dedup.entries}.
 */
public final class RuleEngine implements MeterBinder {
    private static final Logger log = LoggerFactory.getLogger(RuleEngine.class);
    /** What became of an offered event. */
    public enum Outcome { EVALUATED, DUPLICATE, LATE }

    /**
     * One rule and what it has done, read by the meters from other threads. Written under the engine's lock only, so
     * a count goes up by a plain store ({@link #bump}) instead of an atomic add.
     */
    private record Rule(RuleEvaluator evaluator, AtomicLong matches, AtomicLong fired, AtomicLong resolved) {
        Rule(RuleEvaluator evaluator) {
            this(evaluator, new AtomicLong(), new AtomicLong(), new AtomicLong());
        }
    }

    /** Adds one to a count written under the engine's lock only (see {@link Rule}). */
    private static void bump(AtomicLong count) {
        count.lazySet(count.get() + 1);
    }

    private final List<Rule> rules = new ArrayList<>();
    private final Map<String, Rule> byName = new HashMap<>();
    private Deduplicator dedup;
    private final Consumer<Alert> sink;
    private final boolean eventTime;
    private final FieldPath timestampField;
    private final long allowedLateness;
    private final long notifyMaxAge;
    /** The rules' clock: never goes back. Before the first event in event time, none (rules are not ticked). */
    private long clockMillis = Long.MIN_VALUE;
    /** The arrival time at which {@link #clockMillis} was last set by an event, to run it on from there. */
    private long clockSetAt;
    /** The latest arrival time seen, the dedup memory's clock. */
    private long arrivalMillis = Long.MIN_VALUE;
    /** Firing notices held back as too old, by alert id: their resolved notices are held back too. */
    private final Map<String, Alert> heldBack = new LinkedHashMap<>();
    private final Consumer<Alert> out;
    /** Events offered to the rules: each rule looks at every one. */
    private final AtomicLong evaluated = new AtomicLong();
    private final AtomicLong late = new AtomicLong();
    private final AtomicLong untimed = new AtomicLong();
    private final AtomicLong held = new AtomicLong();

    public RuleEngine(MonitorConfig config, long startMillis, Consumer<Alert> sink) {
        this.dedup = new Deduplicator(config.effectiveDedupWindow().toMillis(), config.dedupMaxEntries());
        this.eventTime = config.time() == MonitorConfig.TimeSource.EVENT;
        this.timestampField = config.timestampField();
        this.allowedLateness = config.allowedLateness().toMillis();
        this.notifyMaxAge = config.notifyMaxAge().toMillis();
        for (MonitorConfig.Rule rule : config.rules()) {
            Rule r = new Rule(RuleEvaluator.of(rule, config.samples(), startMillis));
            rules.add(r);
            byName.put(rule.name(), r);
        }
        this.out = sink;
        this.sink = alert -> {
            Rule r = byName.get(alert.rule());
            bump(alert.status() == Alert.Status.FIRING ? r.fired() : r.resolved());
            if (tooOld(alert)) {
                bump(held);
                return;
            }
            sink.accept(alert);
        };
    }

    /** Whether a notice describes a window too old to be sent, remembering held-back firing notices. */
    private boolean tooOld(Alert alert) {
        if (alert.status() == Alert.Status.RESOLVED) {
            return heldBack.remove(alert.id()) != null;
        }
        if (arrivalMillis - alert.at().toEpochMilli() > notifyMaxAge) {
            heldBack.put(alert.id(), alert);
            return true;
        }
        return false;
    }

    /**
     * Once the clock has caught up with the monitor's, sends the held-back alerts that still fire: they are news
     * now. Each is sent as it was made, with {@code at} the clock's time.
     */
    private void sendCaughtUp(long now, long arrival) {
        if (heldBack.isEmpty() || arrival - now > notifyMaxAge) {
            return;
        }
        Instant at = Instant.ofEpochMilli(now);
        for (Alert a : heldBack.values()) {
            out.accept(new Alert(a.id(), a.rule(), a.ruleType(), a.status(), a.severity(), a.groupBy(), a.group(),
                    a.count(), a.threshold(), a.window(), a.startedAt(), at, a.summary(), a.samples(), a.value(),
                    a.limit()));
        }
        heldBack.clear();
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        for (Rule r : rules) {
            String name = r.evaluator().name();
            FunctionCounter.builder("polybus.monitor.rule.evaluations", evaluated, AtomicLong::get).tag("rule", name)
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
        FunctionCounter.builder("polybus.monitor.events.untimed", untimed, AtomicLong::get)
                .description("Events without a readable timestamp, counted at the clock's time (time: event)")
                .register(registry);
        FunctionCounter.builder("polybus.monitor.notices.held", held, AtomicLong::get)
                .description("Notices not sent because the window they describe is older than notify-max-age")
                .register(registry);
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
        long arrival = arrive(nowMillis);
        long now = eventTime ? clockAt(arrival) : arrival;
        long at = eventTime ? timestampOf(event, now == Long.MIN_VALUE ? arrival : now) : arrival;
        if (now != Long.MIN_VALUE && at < now - allowedLateness) {
            bump(late);
            return Outcome.LATE;
        }
        if (!dedup.firstSeen(event.identity(messageId, index), arrival)) {
            return Outcome.DUPLICATE;
        }
        if (at > now) {
            clockMillis = now = at;
            clockSetAt = arrival;
        }
        bump(evaluated);
        for (Rule r : rules) {
            if (r.evaluator().onEvent(event, at, now, sink)) {
                bump(r.matches());
            }
        }
        return Outcome.EVALUATED;
    }

    /** Lets time act on every rule. */
    public synchronized void tick(long nowMillis) {
        long arrival = arrive(nowMillis);
        dedup.evict(arrival);
        long now = eventTime ? clockAt(arrival) : arrival;
        if (now == Long.MIN_VALUE) {
            return;
        }
        clockMillis = now;
        clockSetAt = arrival;
        for (Rule r : rules) {
            r.evaluator().tick(now, sink);
        }
        sendCaughtUp(now, arrival);
    }

    /** What survives a restart: the rules' clock, the dedup memory and each rule's state under its key. */
    private record Saved(long clockMillis, Deduplicator dedup, LinkedHashMap<String, RuleState> rules)
            implements Serializable {
    }

    /** A rule's state and the {@link RuleEvaluator#stateKey()} it was made under. */
    private record RuleState(String key, Serializable state) implements Serializable {
    }

    /** The state of every rule, the clock and the dedup memory, serialized (see {@link StateFile#encode}). */
    public synchronized byte[] snapshot() {
        LinkedHashMap<String, RuleState> states = new LinkedHashMap<>();
        for (Rule r : rules) {
            states.put(r.evaluator().name(), new RuleState(r.evaluator().stateKey(), r.evaluator().state()));
        }
        return StateFile.encode(new Saved(clockMillis, dedup, states));
    }

    /**
     * Takes over a state read from a snapshot: each rule whose key is unchanged gets its windows, alerts and values
     * back (the others start empty, logged); the rules' clock resumes at {@code nowMillis} where it stopped.
     *
     * @return the names of the rules restored
     * @throws IllegalArgumentException when {@code saved} is not a monitor's state
     */
    public synchronized List<String> restore(Object saved, long nowMillis) {
        if (!(saved instanceof Saved s)) {
            throw new IllegalArgumentException("not a monitor's state: " + (saved == null ? null : saved.getClass()));
        }
        List<String> restored = new ArrayList<>();
        for (Rule r : rules) {
            RuleState state = s.rules().get(r.evaluator().name());
            if (state != null && state.key().equals(r.evaluator().stateKey())) {
                r.evaluator().restore(state.state());
                restored.add(r.evaluator().name());
            } else if (state != null) {
                log.info("monitor: rule '{}' changed its type or window since its state was saved; it starts empty",
                        r.evaluator().name());
            }
        }
        if (dedup.sameShape(s.dedup())) {
            dedup = s.dedup();
        }
        if (s.clockMillis() != Long.MIN_VALUE) {
            clockMillis = s.clockMillis();
            clockSetAt = nowMillis;
        }
        return restored;
    }

    /** Events left out as later than {@code allowed-lateness}. */
    public long late() {
        return late.get();
    }

    /** Arrival times reaching the lock out of order (concurrent consumers) are moved up to the latest. */
    private long arrive(long nowMillis) {
        arrivalMillis = Math.max(arrivalMillis, nowMillis);
        return arrivalMillis;
    }

    /** The event clock at an arrival time: the latest event time, run on since with the arrival clock. */
    private long clockAt(long arrival) {
        return clockMillis == Long.MIN_VALUE ? Long.MIN_VALUE : clockMillis + (arrival - clockSetAt);
    }

    /** An event's time: its timestamp field, else {@code otherwise}. */
    private long timestampOf(JsonEvent event, long otherwise) {
        long millis = timestamp(event, timestampField);
        if (millis != IsoTimestamp.INVALID) {
            return millis;
        }
        bump(untimed);
        return otherwise;
    }

    /** An event's time in {@code field} (ISO-8601 text or epoch milliseconds), else {@link IsoTimestamp#INVALID}. */
    static long timestamp(JsonEvent event, FieldPath field) {
        Object v = event.get(field);
        if (v instanceof Number n) {
            return n.longValue();
        }
        return v instanceof String s ? IsoTimestamp.epochMillis(s) : IsoTimestamp.INVALID;
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
