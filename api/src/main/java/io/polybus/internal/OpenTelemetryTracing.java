package io.polybus.internal;

import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.polybus.ConsumerOptions;
import io.polybus.DeliveryHandler;
import io.polybus.Message;
import io.polybus.Receipt;

import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * {@link Tracing} on the OpenTelemetry API, with the span names and attributes of its messaging semantic
 * conventions ({@code send <topic>}, {@code process <topic>}; {@code messaging.system}, {@code
 * messaging.destination.name}, {@code messaging.consumer.group.name}, {@code messaging.message.id}). It reads
 * {@code GlobalOpenTelemetry} without setting it (an application may register its SDK after a broker was opened),
 * and does nothing while none is registered. Headers are written with the application's propagators, or W3C trace
 * context when it configured none.
 */
final class OpenTelemetryTracing implements Tracing {
    private static final String SCOPE = "io.polybus";
    private static final TextMapGetter<Message> HEADERS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Message message) {
            return message.headers().keySet();
        }

        @Override
        public String get(Message message, String name) {
            return message == null ? null : message.header(name);
        }
    };

    /** The registered OpenTelemetry and its tracer, replaced together when another is registered. */
    private record Registered(OpenTelemetry openTelemetry, Tracer tracer, TextMapPropagator propagator) {
    }

    private volatile Registered registered;

    /** The registered SDK, or null while none is. */
    private Registered registered() {
        OpenTelemetry current = GlobalOpenTelemetry.getOrNoop();
        if (current == OpenTelemetry.noop()) {
            return null;
        }
        Registered r = registered;
        if (r == null || r.openTelemetry() != current) {
            TextMapPropagator propagator = current.getPropagators().getTextMapPropagator();
            r = new Registered(current, current.getTracer(SCOPE),
                    propagator == TextMapPropagator.noop() ? W3CTraceContextPropagator.getInstance() : propagator);
            registered = r;
        }
        return r;
    }

    @Override
    public CompletableFuture<Receipt> send(String system, Message message, Function<Message, CompletableFuture<Receipt>> send) {
        Registered r = registered();
        if (r == null) {
            return send.apply(message);
        }
        Span span = r.tracer().spanBuilder("send " + message.topic()).setSpanKind(SpanKind.PRODUCER)
                .setAttribute("messaging.system", system)
                .setAttribute("messaging.operation.type", "send")
                .setAttribute("messaging.destination.name", message.topic())
                .setAttribute("messaging.message.body.size", message.payloadSize())
                .startSpan();
        CompletableFuture<Receipt> sent;
        try (Scope ignored = span.makeCurrent()) {
            Message.Builder traced = message.toBuilder();
            r.propagator().inject(Context.current(), traced, Message.Builder::header);
            sent = send.apply(traced.build());
        } catch (RuntimeException | Error e) {
            failed(span, e);
            throw e;
        }
        sent.whenComplete((receipt, error) -> {
            if (error != null) {
                failed(span, error);
            } else {
                if (receipt != null && receipt.messageId() != null) {
                    span.setAttribute("messaging.message.id", receipt.messageId());
                }
                span.end();
            }
        });
        return sent;
    }

    @Override
    public DeliveryHandler consuming(String system, ConsumerOptions options, DeliveryHandler handler) {
        return delivery -> {
            Registered r = registered();
            if (r == null) {
                handler.handle(delivery);
                return;
            }
            Message message = delivery.message();
            Context parent = r.propagator().extract(Context.current(), message, HEADERS);
            Span span = r.tracer().spanBuilder("process " + message.topic()).setParent(parent)
                    .setSpanKind(SpanKind.CONSUMER)
                    .setAttribute("messaging.system", system)
                    .setAttribute("messaging.operation.type", "process")
                    .setAttribute("messaging.destination.name", message.topic())
                    .setAttribute("messaging.consumer.group.name", options.group())
                    .setAttribute("messaging.message.id", message.id())
                    .setAttribute("messaging.message.body.size", message.payloadSize())
                    .startSpan();
            try (Scope ignored = span.makeCurrent()) {
                handler.handle(delivery);
            } catch (Exception | Error e) {
                failed(span, e);
                throw e;
            }
            span.end();
        };
    }

    private static void failed(Span span, Throwable error) {
        span.recordException(error);
        span.setStatus(StatusCode.ERROR, error.toString());
        span.end();
    }
}
