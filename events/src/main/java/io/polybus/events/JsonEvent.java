package io.polybus.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A log event read back from a message (one event of it: see {@link EventPack#events}), as the monitor, the
 * sinks and {@code polybus consume} see it: its JSON, read by {@link FieldPath} like a {@link LogEvent}, so
 * conditions and templates mean the same on both sides of the broker. Immutable once read.
 */
public final class JsonEvent implements FieldSource {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ObjectNode json;

    private JsonEvent(ObjectNode json) {
        this.json = json;
    }

    /** The event in {@code bytes}, or {@code null} when they are not a JSON object. */
    public static JsonEvent parse(byte[] bytes) {
        try {
            JsonNode node = JSON.readTree(bytes);
            return node instanceof ObjectNode o ? new JsonEvent(o) : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** Wraps an event already read as a tree. */
    public static JsonEvent of(ObjectNode json) {
        return new JsonEvent(json);
    }

    /** The event's JSON; shared, never to be modified. */
    public ObjectNode json() {
        return json;
    }

    @Override
    public Object get(FieldPath path) {
        JsonNode node = json;
        for (int i = 0; i < path.length(); i++) {
            node = node.get(path.segment(i));
            if (node == null) {
                return null;
            }
        }
        return value(node);
    }

    private static Object value(JsonNode node) {
        if (node.isTextual()) {
            return node.textValue();
        }
        if (node.isIntegralNumber() && node.canConvertToLong()) {
            return node.longValue();
        }
        if (node.isNumber()) {
            return node.doubleValue();
        }
        if (node.isBoolean()) {
            return node.booleanValue();
        }
        if (node.isArray()) {
            List<Object> list = new ArrayList<>(node.size());
            node.forEach(item -> list.add(value(item)));
            return list;
        }
        if (node.isObject()) {
            Map<String, Object> map = new LinkedHashMap<>();
            node.fields().forEachRemaining(e -> map.put(e.getKey(), value(e.getValue())));
            return map;
        }
        return null;
    }

    /**
     * The event's identity, the same however often it is delivered or sent again: {@code <file_id>@<offset>} when
     * it names its origin (a file source's events do), else the message's id, with {@code #<index>} for the
     * {@code index}-th event of a pack. Consumers drop duplicates by it; sinks make it the document id.
     *
     * @param messageId the id of the message it came in
     * @param index     its place in a pack, or -1 when the message is one event
     */
    public String identity(String messageId, int index) {
        JsonNode source = json.path("source");
        JsonNode fileId = source.path("file_id");
        JsonNode offset = source.path("offset");
        if (fileId.isTextual() && offset.isIntegralNumber()) {
            return fileId.textValue() + "@" + offset.longValue();
        }
        return index < 0 ? "id:" + messageId : "id:" + messageId + "#" + index;
    }

    @Override
    public String toString() {
        return json.toString();
    }
}
