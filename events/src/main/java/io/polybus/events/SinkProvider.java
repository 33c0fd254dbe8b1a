package io.polybus.events;

/**
 * Creates {@link Sink}s from the entries of a {@code sinks:} section. Register the implementation in
 * {@code META-INF/services/io.polybus.events.SinkProvider}.
 */
public interface SinkProvider extends ComponentProvider<Sink> {
}
