package io.polybus.internal;

import io.polybus.ConsumerOptions;
import io.polybus.DeliveryHandler;
import io.polybus.Message;
import io.polybus.Receipt;

import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Trace context through messages: a send carries the sender's context in W3C {@code traceparent} and
 * {@code tracestate} headers, and a delivery's handler runs in a span whose parent is that context. Kept by
 * OpenTelemetry when its API is on the class path (it is an optional dependency) and an application registered an
 * SDK as {@code GlobalOpenTelemetry}; otherwise there is none and nothing is added to any message.
 */
public interface Tracing {
    /** The tracing of this class path, or null when the OpenTelemetry API (1.50 or later) is not on it. */
    static Tracing detect() {
        try {
            Class.forName("io.opentelemetry.api.GlobalOpenTelemetry", false, Tracing.class.getClassLoader())
                    .getMethod("getOrNoop");
        } catch (ReflectiveOperationException | LinkageError e) {
            return null;
        }
        return new OpenTelemetryTracing();
    }

    /** Sends {@code message} through {@code send} in a producer span, its context in the message's headers. */
    CompletableFuture<Receipt> send(String system, Message message, Function<Message, CompletableFuture<Receipt>> send);

    /** {@code handler}, each call in a consumer span that continues the trace the message carries. */
    DeliveryHandler consuming(String system, ConsumerOptions options, DeliveryHandler handler);
}
