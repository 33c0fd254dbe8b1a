package io.polybus.monitor.internal;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One log event as the monitor sees it: its JSON and when it arrived.
 *
 * @param json       the event (see the event format: timestamp, host, message, source, fields, tags)
 * @param receivedAt arrival time in epoch milliseconds, from the monitor's clock; windows are measured in it
 */
public record Event(JsonNode json, long receivedAt) {

    /**
     * The identity of an event, for dropping duplicates: {@code source.file_id@source.offset} when the event
     * has both, else {@code messageId}.
     */
    public static String identityOf(JsonNode json, String messageId) {
        JsonNode source = json.path("source");
        JsonNode fileId = source.path("file_id");
        JsonNode offset = source.path("offset");
        if (fileId.isTextual() && offset.isIntegralNumber()) {
            return fileId.asText() + "@" + offset.asLong();
        }
        return "id:" + messageId;
    }
}
