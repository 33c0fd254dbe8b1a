package io.polybus.appender;

import java.util.List;
import java.util.Map;

/**
 * One application log call, as a framework adapter reads it from its framework's event: what
 * {@link EventEncoder} turns into event JSON. Empty maps and lists, and a null error, are left out of the event.
 *
 * @param timestampMillis when the call was made
 * @param level           {@code TRACE} ... {@code ERROR} (or the framework's own names)
 * @param logger          the logger's name
 * @param thread          the calling thread's name
 * @param message         the formatted message
 * @param mdc             the MDC / ThreadContext of the call
 * @param markers         marker names
 * @param arguments       structured key/values (SLF4J 2 key-value pairs, Log4j2 map messages)
 * @param error           the exception logged with the call, or null
 */
public record LogRecord(long timestampMillis, String level, String logger, String thread, String message,
                        Map<String, String> mdc, List<String> markers, Map<String, Object> arguments, ErrorInfo error) {

    /**
     * An exception logged with a call.
     *
     * @param type       its class name
     * @param message    its message, or null
     * @param stackTrace the whole trace as the framework prints it, causes included
     */
    public record ErrorInfo(String type, String message, String stackTrace) {
    }
}
