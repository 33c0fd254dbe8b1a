package io.polybus.agent;

import io.polybus.events.ComponentProvider;

/**
 * Creates {@link Source}s from the entries of a {@code sources:} list, by their {@code type}. The built-in file,
 * stdin, syslog and host-metrics sources are providers registered in
 * {@code META-INF/services/io.polybus.agent.SourceProvider}, exactly as a third-party jar registers its own.
 *
 * <p>Every source also has the keys all sources share: {@code name}, {@code topic} and {@code key} (templates over
 * the event) and {@code processors}; a provider's {@link #configDef()} holds only its own.
 */
public interface SourceProvider extends ComponentProvider<Source> {
}
