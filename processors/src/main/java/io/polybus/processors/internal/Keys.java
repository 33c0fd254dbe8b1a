package io.polybus.processors.internal;

import io.polybus.ConfigException;
import io.polybus.events.FieldPath;
import io.polybus.spi.ProviderConfig;

/** Reading the keys these processors share. */
final class Keys {
    private Keys() {
    }

    /** The field path in string key {@code key}. */
    static FieldPath path(ProviderConfig c, String key) {
        String text = c.getString(key);
        if (!FieldPath.isValid(text)) {
            throw new ConfigException(c.pathOf(key), text, "expected " + FieldPath.ACCEPTED);
        }
        return FieldPath.of(text);
    }
}
