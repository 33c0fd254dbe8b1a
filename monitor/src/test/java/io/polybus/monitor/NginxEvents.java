package io.polybus.monitor;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Synthetic events as the agent makes them from nginx JSON access logs. */
public final class NginxEvents {
    private static final ObjectMapper JSON = new ObjectMapper();

    private NginxEvents() {
    }

    /** An access-log event read from {@code fileId} at {@code offset}. */
    public static ObjectNode access(String host, int status, String uri, String fileId, long offset) {
        ObjectNode e = JSON.createObjectNode();
        e.put("timestamp", "2026-11-21T10:00:00.123Z");
        e.put("host", host);
        e.put("message", "{\"status\":" + status + ",\"request_uri\":\"" + uri + "\"}");
        e.putObject("source").put("type", "file").put("path", "/var/log/nginx/access.log")
                .put("file_id", fileId).put("offset", offset);
        e.putObject("fields").put("status", status).put("remote_addr", "10.0.0.1").put("request_uri", uri)
                .put("request_time", 0.123);
        return e;
    }

    /** An application log line with a level. */
    public static ObjectNode app(String host, String level, String message, String fileId, long offset) {
        ObjectNode e = JSON.createObjectNode();
        e.put("timestamp", "2026-11-21T10:00:00.123Z");
        e.put("host", host);
        e.put("message", message);
        e.putObject("source").put("type", "file").put("path", "/var/log/app.log").put("file_id", fileId).put("offset", offset);
        e.putObject("fields").put("level", level);
        return e;
    }
}
