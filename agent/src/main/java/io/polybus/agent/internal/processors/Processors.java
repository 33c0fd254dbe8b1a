package io.polybus.agent.internal.processors;

import io.polybus.ConfigException;
import io.polybus.events.FieldPath;
import io.polybus.events.LogEvent;
import io.polybus.spi.ProviderConfig;

/** What the built-in processors share. */
final class Processors {
    private Processors() {
    }

    /** A field path given as a name in a map or list key ({@code fields.<name>}). */
    static FieldPath path(ProviderConfig c, String key, String name) {
        if (!FieldPath.isValid(name)) {
            throw new ConfigException(c.pathOf(key) + "." + name, null, "expected " + FieldPath.ACCEPTED);
        }
        return FieldPath.of(name);
    }

    /** The text of a field (the message, or a parsed field's value), or null. */
    static String text(LogEvent event, FieldPath field) {
        Object v = event.get(field);
        return v == null ? null : String.valueOf(v);
    }
}
