package io.polybus.sinks.internal.opensearch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.polybus.events.Sink;
import io.polybus.sinks.internal.LineBreaks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.Map;

/**
 * The document stored for an event: its JSON as it came, or, with {@code ecs}, its fields under the names of the
 * Elastic Common Schema, so OpenSearch Dashboards and Kibana users find what they expect:
 *
 * <table>
 *   <caption>event field to ECS field</caption>
 *   <tr><td>{@code timestamp}</td><td>{@code @timestamp}</td></tr>
 *   <tr><td>{@code host}</td><td>{@code host.name}</td></tr>
 *   <tr><td>{@code source.path}</td><td>{@code log.file.path}</td></tr>
 *   <tr><td>{@code source.offset}</td><td>{@code log.offset}</td></tr>
 *   <tr><td>{@code source.file_id} ({@code device:inode:fingerprint})</td><td>{@code log.file.device_id},
 *       {@code log.file.inode}, {@code log.file.fingerprint}</td></tr>
 *   <tr><td>{@code source.peer}</td><td>{@code log.source.address}</td></tr>
 *   <tr><td>{@code source.type}</td><td>{@code input.type}</td></tr>
 *   <tr><td>{@code source.name}</td><td>{@code event.dataset}</td></tr>
 * </table>
 * {@code message}, {@code fields} and {@code tags} keep their names. Thread-safe.
 */
final class Documents {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final boolean ecs;

    Documents(boolean ecs) {
        this.ecs = ecs;
    }

    /** The document as one line of JSON (a bulk body's line must not break). */
    byte[] of(Sink.Record record) {
        if (!ecs && !LineBreaks.in(record.json())) {
            return record.json();
        }
        try {
            return JSON.writeValueAsBytes(ecs ? toEcs(record.event().json()) : record.event().json());
        } catch (IOException e) {
            throw new UncheckedIOException("an event read as JSON cannot be written as JSON", e);
        }
    }

    static ObjectNode toEcs(ObjectNode event) {
        ObjectNode doc = JSON.createObjectNode();
        for (Iterator<Map.Entry<String, JsonNode>> it = event.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode v = e.getValue();
            switch (e.getKey()) {
                case "timestamp" -> doc.set("@timestamp", v);
                case "host" -> object(doc, "host").set("name", v);
                case "source" -> source(doc, v);
                default -> doc.set(e.getKey(), v);
            }
        }
        return doc;
    }

    private static void source(ObjectNode doc, JsonNode source) {
        if (!source.isObject()) {
            doc.set("source", source);
            return;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = source.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode v = e.getValue();
            switch (e.getKey()) {
                case "type" -> object(doc, "input").set("type", v);
                case "name" -> object(doc, "event").set("dataset", v);
                case "path" -> object(object(doc, "log"), "file").set("path", v);
                case "offset" -> object(doc, "log").set("offset", v);
                case "peer" -> object(object(doc, "log"), "source").set("address", v);
                case "file_id" -> fileId(object(object(doc, "log"), "file"), v);
                default -> object(object(doc, "log"), "source").set(e.getKey(), v);
            }
        }
    }

    private static void fileId(ObjectNode file, JsonNode id) {
        String[] parts = id.asText().split(":");
        if (parts.length == 3) {
            file.put("device_id", parts[0]).put("inode", parts[1]).put("fingerprint", parts[2]);
        } else {
            file.set("id", id);
        }
    }

    private static ObjectNode object(ObjectNode parent, String name) {
        JsonNode existing = parent.get(name);
        return existing instanceof ObjectNode o ? o : parent.putObject(name);
    }

    /** The index template's mappings: the event's fields, or their ECS names; {@code fields.*} mapped dynamically. */
    ObjectNode mappings() {
        ObjectNode mappings = JSON.createObjectNode();
        ObjectNode p = mappings.putObject("properties");
        if (ecs) {
            type(p, "@timestamp", "date");
            type(object(p, "host").putObject("properties"), "name", "keyword");
            ObjectNode log = object(p, "log").putObject("properties");
            type(log, "offset", "long");
            ObjectNode file = object(log, "file").putObject("properties");
            type(file, "path", "keyword");
            type(file, "device_id", "keyword");
            type(file, "inode", "keyword");
            type(file, "fingerprint", "keyword");
            type(object(log, "source").putObject("properties"), "address", "keyword");
            type(object(p, "input").putObject("properties"), "type", "keyword");
            type(object(p, "event").putObject("properties"), "dataset", "keyword");
        } else {
            type(p, "timestamp", "date");
            type(p, "host", "keyword");
            ObjectNode source = object(p, "source").putObject("properties");
            for (String k : new String[] {"type", "name", "path", "file_id", "peer"}) {
                type(source, k, "keyword");
            }
            type(source, "offset", "long");
        }
        type(p, "message", "text");
        type(p, "tags", "keyword");
        p.putObject("fields").put("type", "object").put("dynamic", true);
        return mappings;
    }

    private static void type(ObjectNode properties, String name, String type) {
        properties.putObject(name).put("type", type);
    }
}
