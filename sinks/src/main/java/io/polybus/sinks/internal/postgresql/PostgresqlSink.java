package io.polybus.sinks.internal.postgresql;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.polybus.events.FieldPath;
import io.polybus.events.JsonEvent;
import io.polybus.events.Sink;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.BatchUpdateException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
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
 * In {@code copy} mode a batch is one {@code COPY} into the table, and only a batch holding a row stored already goes
 * through a staging table and {@code INSERT ... SELECT ... ON CONFLICT (id) DO NOTHING}.
 *
 * <p>Called from one thread at a time.
 */
final class PostgresqlSink implements Sink {
    private static final Logger log = LoggerFactory.getLogger(PostgresqlSink.class);
    private static final Set<String> KNOWN = Set.of("timestamp", "host", "message", "source", "tags", "fields");
    private static final String COLUMNS = "id, \"timestamp\", host, message, source, tags, fields";
    private static final String STAGING = "polybus_staging";
    private static final String UNIQUE_VIOLATION = "23505";

    private final String name;
    private final String url;
    private final Properties properties;
    private final String schema;
    private final String table;
    private final String qualified;
    private final boolean copy;
    private final String insert;
    private final CopyBuffer copyData = new CopyBuffer();
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

    /**
     * COPY straight into the table, as the first statement of the transaction; when a row is there already (a
     * redelivery: the COPY fails as a whole on the primary key), the transaction is rolled back and the rows go through
     * the staging table and {@code INSERT ... SELECT ... ON CONFLICT (id) DO NOTHING}.
     */
    private void copyBatch(Connection c, List<Row> rows) throws SQLException {
        copyData.reset();
        for (Row row : rows) {
            row.appendCopyText(copyData);
        }
        try {
            copyIn(c, qualified);
            return;
        } catch (SQLException e) {
            if (!UNIQUE_VIOLATION.equals(e.getSQLState())) {
                throw e;
            }
            c.rollback();
        }
        copyIn(c, STAGING);
        try (Statement s = c.createStatement()) {
            s.executeUpdate("INSERT INTO " + qualified + " (" + COLUMNS + ") SELECT " + COLUMNS + " FROM " + STAGING
                    + " ON CONFLICT (id) DO NOTHING");
        }
    }

    private void copyIn(Connection c, String into) throws SQLException {
        try {
            c.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY " + into + " (" + COLUMNS + ") FROM STDIN", copyData.stream());
        } catch (IOException e) {
            throw new SQLException("COPY failed: " + e.getMessage(), "08006", e);
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

    /** The columns of one record: text as read, and the JSON columns as they came in the event. */
    private record Row(Record record, String id, String timestamp, String host, String message, byte[] source,
                       byte[] tags, byte[] fields) {
        private static final FieldPath TIMESTAMP = FieldPath.of("timestamp");
        private static final FieldPath HOST = FieldPath.of("host");
        private static final FieldPath MESSAGE = FieldPath.of("message");

        static Row of(Record r) {
            JsonEvent e = r.event();
            return new Row(r, r.id(), text(e, TIMESTAMP), text(e, HOST), text(e, MESSAGE), e.rawJson("source"),
                    e.rawJson("tags"), fields(e));
        }

        /** A value as text: a string as it reads, a number or boolean as written, an object or array as JSON. */
        private static String text(JsonEvent event, FieldPath path) {
            Object v = event.get(path);
            if (v instanceof Map || v instanceof List) {
                return new String(event.rawJson(path.segment(0)), StandardCharsets.UTF_8);
            }
            return v == null ? null : String.valueOf(v);
        }

        /** The event's fields, and any top-level key the event format does not define, so that nothing is lost. */
        private static byte[] fields(JsonEvent event) {
            if (!event.hasKeysOtherThan(KNOWN)) {
                return event.rawJson("fields");
            }
            ObjectNode json = event.json();
            JsonNode fields = json.get("fields");
            ObjectNode all = fields instanceof ObjectNode o ? o.deepCopy() : json.objectNode();
            for (Iterator<Map.Entry<String, JsonNode>> it = json.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!KNOWN.contains(e.getKey())) {
                    all.putIfAbsent(e.getKey(), e.getValue());
                }
            }
            return all.toString().getBytes(StandardCharsets.UTF_8);
        }

        void bind(PreparedStatement ps) throws SQLException {
            ps.setString(1, id);
            ps.setString(2, timestamp);
            ps.setString(3, host);
            ps.setString(4, message);
            ps.setString(5, string(source));
            ps.setString(6, string(tags));
            ps.setString(7, string(fields));
        }

        private static String string(byte[] json) {
            return json == null ? null : new String(json, StandardCharsets.UTF_8);
        }

        /** The row in COPY's text format: tab-separated, backslash escapes, {@code \N} for null. */
        void appendCopyText(CopyBuffer out) {
            out.text(id).tab();
            out.text(timestamp).tab();
            out.text(host).tab();
            out.text(message).tab();
            out.bytes(source).tab();
            out.bytes(tags).tab();
            out.bytes(fields).end();
        }
    }

    /** The rows of a COPY in its text format, in a buffer kept from batch to batch. */
    static final class CopyBuffer extends ByteArrayOutputStream {
        CopyBuffer() {
            super(1 << 20);
        }

        CopyBuffer text(String value) {
            return value == null ? nul() : bytes(value.getBytes(StandardCharsets.UTF_8));
        }

        CopyBuffer bytes(byte[] value) {
            if (value == null) {
                return nul();
            }
            ensure(value.length * 2);
            for (byte b : value) {
                switch (b) {
                    case '\\' -> escape('\\');
                    case '\n' -> escape('n');
                    case '\r' -> escape('r');
                    case '\t' -> escape('t');
                    default -> buf[count++] = b;
                }
            }
            return this;
        }

        private void escape(char c) {
            buf[count++] = '\\';
            buf[count++] = (byte) c;
        }

        private CopyBuffer nul() {
            ensure(2);
            buf[count++] = '\\';
            buf[count++] = 'N';
            return this;
        }

        CopyBuffer tab() {
            write('\t');
            return this;
        }

        void end() {
            write('\n');
        }

        private void ensure(int more) {
            if (count + more > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, count + more));
            }
        }

        InputStream stream() {
            return new ByteArrayInputStream(buf, 0, count);
        }
    }
}
