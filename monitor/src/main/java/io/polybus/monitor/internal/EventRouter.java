package io.polybus.monitor.internal;

import io.polybus.Message;
import io.polybus.events.EventPack;
import io.polybus.events.FieldPath;
import io.polybus.events.JsonEvent;
import io.polybus.monitor.MonitorConfig;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * The first step of the Kafka Streams topology: splits a message into its events and forwards each event once per
 * rule that looks at it, keyed by {@link #key(String, String) (rule, group)} and stamped with its event time, to be
 * repartitioned by that key. Every {@code evaluate-every} of the wall clock, when a later event came, it also forwards
 * a {@link #CLOCK_MARK} stamped with the latest event time it has read, event or not of any rule, which goes to every
 * task (see {@link RuleKeyPartitioner}): as in the embedded engine, every key's clock is then the latest event time
 * of the whole topic, so a key without events sees its silence end. Events that are not JSON objects are counted as
 * invalid and dropped. One per stream task.
 */
final class EventRouter implements Processor<byte[], byte[], String, byte[]> {
    /** The key of a clock mark; rule keys never start with a NUL (a rule's name is not empty). */
    static final String CLOCK_MARK = "\u0000clock";
    private static final byte[] NO_VALUE = new byte[0];

    private final List<RuleEvaluator> rules = new ArrayList<>();
    private final boolean eventTime;
    private final FieldPath timestampField;
    private final LongAdder evaluated;
    private final LongAdder invalid;
    private final Duration markEvery;
    private ProcessorContext<String, byte[]> context;
    /** The latest event time read, and the latest sent in a clock mark. */
    private long latest = Long.MIN_VALUE;
    private long marked = Long.MIN_VALUE;

    EventRouter(MonitorConfig config, LongAdder evaluated, LongAdder invalid) {
        config.rules().forEach(rule -> rules.add(RuleEvaluator.of(rule, 0, 0)));
        this.eventTime = config.time() == MonitorConfig.TimeSource.EVENT;
        this.timestampField = config.timestampField();
        this.evaluated = evaluated;
        this.invalid = invalid;
        this.markEvery = config.evaluateEvery();
    }

    /** The repartition key of a rule's group: the rule's name and the group, apart. */
    static String key(String rule, String group) {
        return rule + '\u0000' + group;
    }

    /** The rule's name of a {@link #key}. */
    static String rule(String key) {
        return key.substring(0, key.indexOf('\u0000'));
    }

    @Override
    public void init(ProcessorContext<String, byte[]> context) {
        this.context = context;
        context.schedule(markEvery, PunctuationType.WALL_CLOCK_TIME, wall -> {
            if (latest > marked) {
                marked = latest;
                context.forward(new Record<>(CLOCK_MARK, NO_VALUE, latest));
            }
        });
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        if (record.value() == null) {
            invalid.increment();
            return;
        }
        Message.Builder message = Message.builder("events").payload(record.value());
        for (Header h : record.headers()) {
            if (h.value() != null) {
                message.header(h.key(), new String(h.value(), StandardCharsets.UTF_8));
            }
        }
        for (byte[] bytes : EventPack.events(message.build())) {
            JsonEvent event = JsonEvent.parse(bytes);
            if (event == null) {
                invalid.increment();
                continue;
            }
            evaluated.increment();
            long at = eventTime ? RuleEngine.timestamp(event, timestampField) : IsoTimestamp.INVALID;
            long timestamp = at == IsoTimestamp.INVALID ? record.timestamp() : at;
            latest = Math.max(latest, timestamp);
            for (RuleEvaluator rule : rules) {
                String group = rule.routeGroup(event);
                if (group != null) {
                    context.forward(new Record<>(key(rule.name(), group), bytes, timestamp));
                }
            }
        }
    }
}
