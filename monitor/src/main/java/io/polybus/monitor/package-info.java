/**
 * The monitor: turns a topic of log events into alerts.
 *
 * <ul>
 * <li>Its configuration, the {@code monitor:} section of a file: {@link io.polybus.monitor.MonitorConfig}, read
 *     with {@code ConfigDef}s from the section's YAML tree; rules' {@code where} is the one condition language,
 *     {@link io.polybus.events.Condition}.</li>
 * <li>Running it: {@link io.polybus.monitor.Monitor} (a {@code MeterBinder}; its {@code health()} for
 *     {@code /health}).</li>
 * <li>What it makes: {@link io.polybus.monitor.Alert} notices, delivered by {@link io.polybus.monitor.Notifier}s;
 *     a kind of notifier is a plug-in, {@link io.polybus.monitor.NotifierProvider}, found by {@code ServiceLoader}
 *     like the built-ins (stdout, file, webhook, alertmanager, topic).</li>
 * </ul>
 *
 * <p>{@code io.polybus.monitor.internal} is the implementation; no other module imports it.
 */
package io.polybus.monitor;
