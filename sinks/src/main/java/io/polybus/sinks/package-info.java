/**
 * Log events out of the broker into stores: {@link io.polybus.sinks.SinkRunner} runs a {@code sinks:} section
 * ({@link io.polybus.sinks.SinksConfig}) over {@link io.polybus.events.Sink}s found by their {@code type}.
 */
package io.polybus.sinks;
