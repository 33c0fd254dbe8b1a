package io.polybus.sinks.internal.postgresql;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.polybus.events.Sink;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.sql.BatchUpdateException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * Writes records as rows keyed by their id, {@code ON CONFLICT (id) DO NOTHING}, one transaction per batch: the
 * commit is what makes them durable. A batch the server refuses because of a row's data (SQLSTATE classes 22, 23 and
 * 54) is written again row by row, each under a savepoint, so that only the rows the server refuses are returned
 * with its reason; any other failure (no connection, a server shutting down, a timeout) closes the connection and
 * is thrown, so that the batch is tried again on a new one. The table, and its schema, are created when missing.
 *
 * <p>Called from one thread at a time.
 */
final class PostgresqlSink implements Sink {
    private static final Logger log = LoggerFactory.getLogger(PostgresqlSink.class);
    private static final Set<String> KNOWN = Set.of("timestamp", "host", "message", "source", "tags", "fields");
    private static final String COLUMNS = "id, \"timestamp\", host, message, source, tags, fields";
    private static final String STAGING = "polybus_staging";

    private final String name;
    private final String url;
    private final Properties properties;
    private final String schema;
    private final String table;
    private final String qualified;
    private final boolean copy;
    private final String insert;
    private Connection connection;
    private boolean tableReady;

    PostgresqlSink(String name, String url, Properties properties, String schema, String table, boolean copy) {
        this.name = name;
        this.url = url;
        this.properties = properties;
        this.schema = schema;
        this.table = table;
        this.qualified = quote(schema) + "." + quote(table);
        this.copy = copy;
        this.insert = "INSERT INTO " + qualified + " (" + COLUMNS + ") VALUES (?, ?::timestamptz, ?, ?, ?::jsonb, ?::jsonb, ?::jsonb)"
                + " ON CONFLICT (id) DO NOTHING";
    }

    static String quote(String identifier) {
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }

    @Override
    public List<Refusal> write(List<Record> records) throws SQLException {
        try {
            Connection c = connection();
            List<Row> rows = new ArrayList<>(records.size());
            for (Record r : records) {
                rows.add(Row.of(r));
            }
            try {
                if (copy) {
                    copyBatch(c, rows);
                } else {
                    insertBatch(c, rows);
                }
                c.commit();
                return List.of();
            } catch (SQLException e) {
                if (!refusesData(e)) {
                    throw e;
                }
                c.rollback();
                return rowByRow(c, rows);
            }
        } catch (SQLException e) {
            if ("42P01".equals(e.getSQLState()) || "3F000".equals(e.getSQLState())) {
                tableReady = false;
            }
            closeConnection();
            throw concise(e);
        }
    }

    /** The server's words without the batch's SQL and rows, which a batch error repeats in full. */
    private static SQLException concise(SQLException e) {
        if (e instanceof BatchUpdateException && e.getNextException() != null) {
            SQLException cause = e.getNextException();
            return new SQLException(cause.getMessage(), cause.getSQLState(), e);
        }
        return e;
    }

    private Connection connection() throws SQLException {
        if (connection == null) {
            Connection c;
            try {
                c = DriverManager.getConnection(url, properties);
            } catch (SQLException e) {
                throw ConnectFailure.explain(e, url, properties);
            }
            try {
                c.setAutoCommit(false);
                if (!tableReady) {
                    createTable(c);
                    tableReady = true;
                }
                if (copy) {
                    try (Statement s = c.createStatement()) {
                        s.execute("CREATE TEMPORARY TABLE IF NOT EXISTS " + STAGING + " (LIKE " + qualified
                                + " INCLUDING DEFAULTS) ON COMMIT DELETE ROWS");
                    }
                    c.commit();
                }
            } catch (SQLException e) {
                c.close();
                throw e;
            }
            connection = c;
        }
        return connection;
    }

    /** Creates the schema and table when missing, one sink at a time (two processes starting together must not race). */
    private void createTable(Connection c) throws SQLException {
        try (PreparedStatement lock = c.prepareStatement("SELECT pg_advisory_xact_lock(hashtext(?))")) {
            lock.setString(1, "polybus-sink:" + qualified);
            lock.execute();
        }
        try (Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA IF NOT EXISTS " + quote(schema));
            s.execute("CREATE TABLE IF NOT EXISTS " + qualified + " (id text PRIMARY KEY, \"timestamp\" timestamptz, "
                    + "host text, message text, source jsonb, tags jsonb, fields jsonb)");
        }
        c.commit();
        log.info("sink '{}': writing to table {}.{}", name, schema, table);
    }

    private void insertBatch(Connection c, List<Row> rows) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(insert)) {
            for (Row row : rows) {
                row.bind(ps);
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    private void copyBatch(Connection c, List<Row> rows) throws SQLException {
        StringBuilder data = new StringBuilder(rows.size() * 256);
        for (Row row : rows) {
            row.appendCopyText(data);
        }
        try {
            c.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY " + STAGING + " (" + COLUMNS + ") FROM STDIN",
                    new ByteArrayInputStream(data.toString().getBytes(StandardCharsets.UTF_8)));
        } catch (java.io.IOException e) {
            throw new SQLException("COPY failed: " + e.getMessage(), "08006", e);
        }
        try (Statement s = c.createStatement()) {
            s.executeUpdate("INSERT INTO " + qualified + " (" + COLUMNS + ") SELECT " + COLUMNS + " FROM " + STAGING
                    + " ON CONFLICT (id) DO NOTHING");
        }
    }

    /** Each row under a savepoint; the ones the server refuses for their data are returned with its reason. */
    private List<Refusal> rowByRow(Connection c, List<Row> rows) throws SQLException {
        List<Refusal> refused = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(insert)) {
            for (Row row : rows) {
                Savepoint savepoint = c.setSavepoint();
                try {
                    row.bind(ps);
                    ps.executeUpdate();
                    c.releaseSavepoint(savepoint);
                } catch (SQLException e) {
                    if (!refusesData(e)) {
                        throw e;
                    }
                    c.rollback(savepoint);
                    refused.add(new Refusal(row.record, "postgresql refused the row: " + concise(e).getMessage()));
                }
            }
        }
        c.commit();
        return refused;
    }

    /** Whether the server refused a row's data (classes 22 data exception, 23 constraint violation, 54 limits). */
    private static boolean refusesData(SQLException e) {
        String state = e.getSQLState();
        if (state == null && e.getNextException() != null) {
            state = e.getNextException().getSQLState();
        }
        return state != null && (state.startsWith("22") || state.startsWith("23") || state.startsWith("54"));
    }

    private void closeConnection() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException e) {
                log.debug("sink '{}': closing a broken connection: {}", name, e.toString());
            }
            connection = null;
        }
    }

    @Override
    public void close() {
        closeConnection();
    }

    /** The columns of one record. */
    private record Row(Record record, String id, String timestamp, String host, String message, String source,
                       String tags, String fields) {
        static Row of(Record r) {
            ObjectNode json = r.event().json();
            return new Row(r, r.id(), text(json.get("timestamp")), text(json.get("host")), text(json.get("message")),
                    jsonText(json.get("source")), jsonText(json.get("tags")), fields(json));
        }

        private static String text(JsonNode node) {
            if (node == null || node.isNull()) {
                return null;
            }
            return node.isValueNode() ? node.asText() : node.toString();
        }

        private static String jsonText(JsonNode node) {
            return node == null || node.isNull() ? null : node.toString();
        }

        /** The event's fields, and any top-level key the event format does not define, so that nothing is lost. */
        private static String fields(ObjectNode json) {
            JsonNode fields = json.get("fields");
            ObjectNode extra = null;
            for (Iterator<Map.Entry<String, JsonNode>> it = json.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!KNOWN.contains(e.getKey())) {
                    if (extra == null) {
                        extra = fields instanceof ObjectNode o ? o.deepCopy() : json.objectNode();
                    }
                    extra.putIfAbsent(e.getKey(), e.getValue());
                }
            }
            return extra != null ? extra.toString() : jsonText(fields);
        }

        void bind(PreparedStatement ps) throws SQLException {
            ps.setString(1, id);
            ps.setString(2, timestamp);
            ps.setString(3, host);
            ps.setString(4, message);
            ps.setString(5, source);
            ps.setString(6, tags);
            ps.setString(7, fields);
        }

        /** The row in COPY's text format: tab-separated, backslash escapes, {@code \N} for null. */
        void appendCopyText(StringBuilder out) {
            appendCopy(out, id).append('\t');
            appendCopy(out, timestamp).append('\t');
            appendCopy(out, host).append('\t');
            appendCopy(out, message).append('\t');
            appendCopy(out, source).append('\t');
            appendCopy(out, tags).append('\t');
            appendCopy(out, fields).append('\n');
        }

        private static StringBuilder appendCopy(StringBuilder out, String value) {
            if (value == null) {
                return out.append("\\N");
            }
            for (int i = 0; i < value.length(); i++) {
                char ch = value.charAt(i);
                switch (ch) {
                    case '\\' -> out.append("\\\\");
                    case '\n' -> out.append("\\n");
                    case '\r' -> out.append("\\r");
                    case '\t' -> out.append("\\t");
                    default -> out.append(ch);
                }
            }
            return out;
        }
    }
}
