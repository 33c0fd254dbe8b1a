package io.polybus.monitor.internal;

import io.polybus.events.JsonEvent;
import io.polybus.monitor.Alert;
import io.polybus.monitor.MonitorConfig;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * The rules of one stream task: one {@link RuleEvaluator} per (rule, group) key the task owns, each evaluator's
 * state written to a changelogged store after every change, so the task resumes on another instance where this one
 * stopped (the store's cache sends each key's latest state to the changelog once per commit). The task's clock is the
 * latest event time it has seen, its own events' or a {@link EventRouter#CLOCK_MARK}'s (the latest of the whole
 * topic), run on with the monitor's clock between them (as the embedded engine's); events further behind it than
 * {@code allowed-lateness} are counted as late and left out. Time acts on every evaluator each {@code evaluate-every},
 * and the keys watched from the start (a rule without {@code group-by}, the {@code expected} values of an absence or a
 * flatline) get their evaluator when the task that owns them starts, before any of their events: a whole silent stream
 * fires too. A rule's start, what those keys are watched from, is the monitor's clock when a task first ran it, kept in
 * the store. Notices are forwarded downstream (to the alerts topic), keyed by alert id. {@link #init} starts from the
 * store alone: Kafka Streams re-initialises the same processor when it revives a corrupted task, and evaluators left
 * from before would count the replayed events twice. Not thread-safe: one per task.
 */
final class RuleProcessor implements Processor<String, byte[], String, byte[]> {
    private static final Logger log = LoggerFactory.getLogger(RuleProcessor.class);
    /** Store keys of the task's own time and of each rule's start; rule keys always hold a NUL, these start with one. */
    private static final String CLOCK = "\u0000clock";
    private static final String START = "\u0000start\u0000";

    static final String STORE = "polybus-monitor-rules";

    private final Map<String, MonitorConfig.Rule> rules = new HashMap<>();
    private final MonitorConfig config;
    private final long allowedLateness;
    private final int partitions;
    private final Clock wall;
    private final LongAdder late;
    private final Map<String, Long> starts = new HashMap<>();
    private final Map<String, RuleEvaluator> live = new HashMap<>();
    private final List<Alert> notices = new ArrayList<>();
    private ProcessorContext<String, byte[]> context;
    private KeyValueStore<String, byte[]> store;
    private long clock = Long.MIN_VALUE;
    private long clockSetAt;

    /**
     * @param partitions the partitions of the repartition topic, to tell the keys this task owns
     * @param wall       the monitor's clock, which the task's clock runs on with between events
     */
    RuleProcessor(MonitorConfig config, int partitions, Clock wall, LongAdder late) {
        this.config = config;
        config.rules().forEach(rule -> rules.put(rule.name(), rule));
        this.allowedLateness = config.allowedLateness().toMillis();
        this.partitions = partitions;
        this.wall = wall;
        this.late = late;
    }

    @Override
    public void init(ProcessorContext<String, byte[]> context) {
        this.context = context;
        this.store = context.getStateStore(STORE);
        live.clear();
        notices.clear();
        clock = readLong(CLOCK);
        clockSetAt = wall.millis();
        starts.clear();
        for (MonitorConfig.Rule rule : config.rules()) {
            long start = readLong(START + rule.name());
            if (start == Long.MIN_VALUE) {
                start = clockSetAt;
                writeLong(START + rule.name(), start);
            }
            starts.put(rule.name(), start);
        }
        try (KeyValueIterator<String, byte[]> all = store.all()) {
            while (all.hasNext()) {
                KeyValue<String, byte[]> e = all.next();
                if (!e.key.startsWith("\u0000")) {
                    evaluator(e.key, e.value);
                }
            }
        }
        for (MonitorConfig.Rule rule : config.rules()) {
            for (String group : watchedFromStart(rule)) {
                String key = EventRouter.key(rule.name(), group);
                if (!live.containsKey(key) && RuleKeyPartitioner.partition(key, partitions) == context.taskId().partition()) {
                    save(key, evaluator(key, null));
                }
            }
        }
        context.schedule(config.evaluateEvery(), PunctuationType.WALL_CLOCK_TIME, wallNow -> tick());
    }

    /** The groups of a rule watched before their first event: its one group without group-by, else its expected. */
    private static List<String> watchedFromStart(MonitorConfig.Rule rule) {
        if (rule.groupBy() == null) {
            return List.of("");
        }
        if (rule instanceof MonitorConfig.Rule.Absence a) {
            return a.expected();
        }
        return rule instanceof MonitorConfig.Rule.Flatline f ? f.expected() : List.of();
    }

    @Override
    public void process(Record<String, byte[]> record) {
        long at = record.timestamp();
        long arrival = wall.millis();
        long now = clockAt(arrival);
        if (EventRouter.CLOCK_MARK.equals(record.key())) {
            if (at > now) {
                setClock(at, arrival);
            }
            return;
        }
        JsonEvent event = JsonEvent.parse(record.value());
        if (event == null) {
            return;
        }
        if (now != Long.MIN_VALUE && at < now - allowedLateness) {
            late.increment();
            return;
        }
        if (at > now) {
            now = at;
            setClock(at, arrival);
        }
        RuleEvaluator rule = live.get(record.key());
        if (rule == null) {
            rule = evaluator(record.key(), null);
        }
        if (rule == null) {
            return;
        }
        rule.onEvent(event, Math.min(at, now), now, notices::add);
        save(record.key(), rule);
        forwardNotices();
    }

    private void setClock(long at, long arrival) {
        clock = at;
        clockSetAt = arrival;
        writeLong(CLOCK, clock);
    }

    private void tick() {
        long now = clockAt(wall.millis());
        if (now == Long.MIN_VALUE) {
            return;
        }
        for (Map.Entry<String, RuleEvaluator> e : live.entrySet()) {
            int before = notices.size();
            e.getValue().tick(now, notices::add);
            if (notices.size() > before) {
                save(e.getKey(), e.getValue());
            }
        }
        forwardNotices();
    }

    /** The evaluator of a key, from its saved state when there is one; null for a rule no longer configured. */
    private RuleEvaluator evaluator(String key, byte[] saved) {
        MonitorConfig.Rule rule = rules.get(EventRouter.rule(key));
        if (rule == null) {
            return null;
        }
        RuleEvaluator evaluator = RuleEvaluator.of(ownGroupOnly(rule, key.substring(key.indexOf('\u0000') + 1)),
                config.samples(), starts.get(rule.name()));
        byte[] state = saved != null ? saved : store.get(key);
        if (state != null) {
            try {
                Object[] keyed = (Object[]) StateFile.decode(state, "state store entry " + key.replace('\u0000', '/'));
                if (evaluator.stateKey().equals(keyed[0])) {
                    evaluator.restore((Serializable) keyed[1]);
                } else {
                    log.info("monitor: rule '{}' changed its type or window since its state was saved; it starts empty",
                            rule.name());
                }
            } catch (IOException | ClassCastException e) {
                log.warn("monitor: the saved state of {} cannot be read; it starts empty", key.replace('\u0000', '/'), e);
            }
        }
        live.put(key, evaluator);
        return evaluator;
    }

    /**
     * The rule as the evaluator of one group sees it: an {@code expected} list narrowed to that group (the evaluators
     * of the other groups watch theirs), so each expected value is watched by one evaluator.
     */
    private static MonitorConfig.Rule ownGroupOnly(MonitorConfig.Rule rule, String group) {
        if (rule instanceof MonitorConfig.Rule.Absence a && !a.expected().isEmpty()) {
            return new MonitorConfig.Rule.Absence(a.name(), a.severity(), a.where(), a.groupBy(), a.silence(),
                    a.expected().contains(group) ? List.of(group) : List.of(), a.maxGroups());
        }
        if (rule instanceof MonitorConfig.Rule.Flatline f && !f.expected().isEmpty()) {
            return new MonitorConfig.Rule.Flatline(f.name(), f.severity(), f.where(), f.groupBy(), f.window(),
                    f.below(), f.expected().contains(group) ? List.of(group) : List.of(), f.resolveAfter(),
                    f.maxGroups());
        }
        return rule;
    }

    private void save(String key, RuleEvaluator evaluator) {
        store.put(key, StateFile.encode(new Object[] {evaluator.stateKey(), evaluator.state()}));
    }

    /**
     * Sends the notices on, stamped with the wall clock: stamped with their event time, notices of old events (a
     * replay) would fall out of the alerts topic's retention at once, before their turn to be notified.
     */
    private void forwardNotices() {
        for (Alert alert : notices) {
            context.forward(new Record<>(alert.id(), alert.toJsonBytes(), context.currentSystemTimeMs()));
        }
        notices.clear();
    }

    private long clockAt(long arrival) {
        return clock == Long.MIN_VALUE ? Long.MIN_VALUE : clock + Math.max(0, arrival - clockSetAt);
    }

    private long readLong(String key) {
        byte[] b = store.get(key);
        return b == null ? Long.MIN_VALUE : ByteBuffer.wrap(b).getLong();
    }

    private void writeLong(String key, long value) {
        store.put(key, ByteBuffer.allocate(Long.BYTES).putLong(value).array());
    }
}
