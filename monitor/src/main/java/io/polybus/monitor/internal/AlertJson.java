package io.polybus.monitor.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.polybus.monitor.Alert;
import io.polybus.spi.ConfigDef;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Reads back an alert notice written by {@link Alert#toJsonBytes()} (the alerts topic of Kafka Streams). */
final class AlertJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private AlertJson() {
    }

    /**
     * The alert in {@code bytes}.
     *
     * @throws IOException when the bytes are not an alert notice
     */
    static Alert read(byte[] bytes) throws IOException {
        JsonNode o = JSON.readTree(bytes);
        if (o == null || !o.isObject() || !o.hasNonNull("id") || !o.hasNonNull("rule") || !o.hasNonNull("status")) {
            throw new IOException("not an alert notice: " + (o == null ? "empty" : o.toString()));
        }
        List<JsonNode> samples = new ArrayList<>();
        o.path("samples").forEach(samples::add);
        try {
            return new Alert(o.get("id").asText(), o.get("rule").asText(), text(o, "rule_type"),
                    Alert.Status.valueOf(o.get("status").asText().toUpperCase(Locale.ROOT)), text(o, "severity"),
                    text(o, "group_by"), text(o, "group"), o.path("count").asLong(),
                    o.hasNonNull("threshold") ? o.get("threshold").asLong() : null,
                    ConfigDef.parseDuration(o.path("window").asText()), Instant.parse(o.path("started_at").asText()),
                    Instant.parse(o.path("at").asText()), text(o, "summary"), samples,
                    o.hasNonNull("value") ? o.get("value").asDouble() : null,
                    o.hasNonNull("limit") ? o.get("limit").asDouble() : null);
        } catch (RuntimeException e) {
            throw new IOException("not an alert notice: " + e.getMessage(), e);
        }
    }

    private static String text(JsonNode o, String key) {
        JsonNode v = o.get(key);
        return v == null || v.isNull() ? null : v.asText();
    }
}
