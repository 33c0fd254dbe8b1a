package io.polybus.events;

import io.polybus.Broker;

import java.nio.file.Path;
import java.time.Clock;
import java.util.Objects;

/**
 * What a component may use of the process it runs in. Meters are not here: a component with meters implements
 * {@link io.micrometer.core.instrument.binder.MeterBinder} and the process binds it once to its registry.
 *
 * @param name    the component's name: a source's {@code name}, or its place in the file
 *                ({@code sources[0].processors[1]}), for logs and meter tags
 * @param host    this machine's name as the configuration gives it (events' {@code host})
 * @param broker  the broker of the process (open; not to be closed by the component)
 * @param clock   the time to use
 * @param dataDir where the component may keep state across restarts (its own file or folder in it)
 */
public record ComponentContext(String name, String host, Broker broker, Clock clock, Path dataDir) {
    public ComponentContext {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(clock, "clock");
    }

    /** The same context for a part of this component, e.g. {@code nginx.processors[0]}. */
    public ComponentContext named(String newName) {
        return new ComponentContext(newName, host, broker, clock, dataDir);
    }
}
