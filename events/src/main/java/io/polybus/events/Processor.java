package io.polybus.events;

/**
 * One step of a source's processing chain, in the manner of an OkHttp interceptor: it looks at or changes the
 * event, then passes it on with {@code chain.proceed(event)}, or returns without proceeding to drop it.
 *
 * <pre>{@code
 * Processor dropHealthChecks = (event, chain) -> {
 *     if (!"/health".equals(event.fields().get("request_uri"))) {
 *         chain.proceed(event);
 *     }
 * };
 * }</pre>
 *
 * <p>A processor that cannot parse an event keeps it, tags it (e.g. {@code _json_parse_failure}) and
 * proceeds: data is never dropped because it is malformed. Called on the source's thread only; one
 * instance serves one source. Made by a {@link ProcessorProvider}.
 */
@FunctionalInterface
public interface Processor {

    void process(LogEvent event, Chain chain);

    /** The rest of the chain; its end sends the event to the broker. */
    interface Chain {
        void proceed(LogEvent event);
    }
}
