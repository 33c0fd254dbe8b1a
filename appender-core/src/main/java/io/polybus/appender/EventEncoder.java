package io.polybus.appender;

import io.polybus.events.EventWriter;
import io.polybus.events.MutableEvent;
import io.polybus.events.Origin;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes application log calls as the event JSON the agent ships (through {@code events}' {@link EventWriter}):
 *
 * <pre>{@code
 * {"timestamp": "...", "host": "web-1", "message": "order 42 paid",
 *  "source": {"type": "logback", "name": "shop"},
 *  "fields": {"level": "INFO", "logger": "com.shop.Orders", "thread": "http-1",
 *             "mdc": {"request": "r-7"}, "markers": ["AUDIT"], "args": {"order": 42},
 *             "exception": {"type": "...", "message": "...", "stack_trace": "..."}}}
 * }</pre>
 *
 * <p>Thread-safe: each thread writes with its own writer.
 */
public final class EventEncoder {
    private final ThreadLocal<State> state;

    /**
     * @param sourceType the framework: {@code logback} or {@code log4j2}
     * @param settings   the host and the service (written as {@code source.name})
     */
    public EventEncoder(String sourceType, AppenderSettings settings) {
        String host = settings.host();
        String service = settings.service();
        this.state = ThreadLocal.withInitial(() -> new State(new MutableEvent(host, sourceType, service,
                StandardCharsets.UTF_8), new EventWriter()));
    }

    private record State(MutableEvent event, EventWriter writer) {
    }

    /** The call as event JSON. */
    public byte[] encode(LogRecord r) {
        State s = state.get();
        MutableEvent e = s.event();
        e.reset(r.message(), r.timestampMillis(), Origin.NONE, -1);
        Map<String, Object> f = e.fields();
        f.put("level", r.level());
        f.put("logger", r.logger());
        f.put("thread", r.thread());
        if (r.mdc() != null && !r.mdc().isEmpty()) {
            f.put("mdc", r.mdc());
        }
        if (r.markers() != null && !r.markers().isEmpty()) {
            f.put("markers", r.markers());
        }
        if (r.arguments() != null && !r.arguments().isEmpty()) {
            Map<String, Object> args = new LinkedHashMap<>();
            // Values go through as JSON scalars; anything else as its text, so that no object can fail the writer.
            r.arguments().forEach((k, v) -> args.put(k, v == null || v instanceof Number || v instanceof Boolean
                    || v instanceof String ? v : String.valueOf(v)));
            f.put("args", args);
        }
        if (r.error() != null) {
            Map<String, Object> x = new LinkedHashMap<>();
            x.put("type", r.error().type());
            if (r.error().message() != null) {
                x.put("message", r.error().message());
            }
            x.put("stack_trace", r.error().stackTrace());
            f.put("exception", x);
        }
        return s.writer().write(e);
    }
}
