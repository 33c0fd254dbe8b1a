/**
 * The log event and everything that reads or writes it, on every side of the broker.
 *
 * <ul>
 * <li>The event: {@link io.polybus.events.LogEvent} (and {@link io.polybus.events.MutableEvent}, the one
 *     implementation producers reuse), written by the one writer {@link io.polybus.events.EventWriter}, read back
 *     as {@link io.polybus.events.JsonEvent}; several events in one message: {@link io.polybus.events.EventPack}.</li>
 * <li>Naming a value: {@link io.polybus.events.FieldPath}; text made from values:
 *     {@link io.polybus.events.Template}; deciding whether an event matches: the one condition language,
 *     {@link io.polybus.events.Condition}.</li>
 * <li>The plug-in shape of every component: {@link io.polybus.events.ComponentProvider}, found by
 *     {@link io.polybus.events.Components} and bound by {@link io.polybus.events.ComponentModule}; the kinds
 *     {@link io.polybus.events.ProcessorProvider} and {@link io.polybus.events.SinkProvider} live here, sources in
 *     the agent, notifiers in the monitor.</li>
 * <li>Health of a pipeline, for {@code /health}: {@link io.polybus.events.HealthCheck},
 *     {@link io.polybus.events.PipelineHealth}.</li>
 * </ul>
 */
package io.polybus.events;
