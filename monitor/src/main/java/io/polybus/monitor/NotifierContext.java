package io.polybus.monitor;

import io.polybus.events.ComponentContext;
import io.polybus.events.PipelineHealth;

import java.io.PrintStream;
import java.util.Objects;

/**
 * What a monitor offers the notifiers it creates ({@link NotifierProvider#create(io.polybus.spi.ProviderConfig,
 * NotifierContext)}). Immutable.
 *
 * @param component the context every component gets: the notifier's name, the broker, the clock
 * @param console   where a notifier for people writes (the {@code stdout} notifier): the process's standard
 *                  output, or the agent's console
 * @param health    the monitor's health, for a notifier that talks to the broker (the {@code topic} notifier
 *                  reports whether it is reachable)
 */
public record NotifierContext(ComponentContext component, PrintStream console, PipelineHealth health) {
    public NotifierContext {
        Objects.requireNonNull(component, "component");
        Objects.requireNonNull(console, "console");
        Objects.requireNonNull(health, "health");
    }
}
