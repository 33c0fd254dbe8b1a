package io.polybus.sinks.internal.postgresql;

import io.polybus.events.ComponentContext;
import io.polybus.events.Sink;
import io.polybus.events.SinkProvider;
import io.polybus.spi.ConfigDef;
import io.polybus.spi.ConfigDef.Type;
import io.polybus.spi.Password;
import io.polybus.spi.ProviderConfig;

import java.time.Duration;
import java.util.Properties;

/** {@code type: postgresql}: rows of a table keyed by the event's id, written in batches. */
public final class PostgresqlSinkProvider implements SinkProvider {
    private static final ConfigDef KEYS = ConfigDef.builder("sink", "postgresql")
            .define("url", Type.STRING, "jdbc:postgresql://localhost:5432/postgres",
                    v -> String.valueOf(v).startsWith("jdbc:postgresql:") ? null : "a JDBC URL starting with jdbc:postgresql:",
                    "The database, as a JDBC URL of the PostgreSQL driver; no credentials in it (use `user` and `password`).")
            .define("user", Type.STRING, null, "The user to connect as (default: the driver's, the OS user).")
            .define("password", Type.PASSWORD, null,
                    "Its password; never logged. Use `${NAME}` or `${file:/run/secrets/pg}` in YAML.")
            .define("schema", Type.STRING, "public", ConfigDef.nonEmpty(), "The schema of the table; created when missing.")
            .define("table", Type.STRING, "logs", ConfigDef.nonEmpty(),
                    "The table; created when missing with the columns id (primary key), timestamp, host, message, source, tags and fields.")
            .define("mode", Type.STRING, "insert", ConfigDef.oneOf("insert", "copy"),
                    "How a batch is written: `insert` (batched INSERT ... ON CONFLICT DO NOTHING) or `copy` (COPY into the "
                            + "table; a batch holding a row stored already goes again through a temporary staging table "
                            + "and INSERT ... SELECT ... ON CONFLICT DO NOTHING).")
            .define("connect-timeout", Type.DURATION, "10s", ConfigDef.atLeast(Duration.ofSeconds(1)),
                    "How long connecting may take before the write is tried again.")
            .define("socket-timeout", Type.DURATION, "60s", ConfigDef.atLeast(Duration.ofSeconds(1)),
                    "How long a write may wait for the server before it is tried again.")
            .define("properties", Type.MAP, null, "More properties of the JDBC driver (e.g. `sslmode: verify-full`).")
            .build();

    @Override
    public String type() {
        return "postgresql";
    }

    @Override
    public String description() {
        return "Writes events as rows of a PostgreSQL table keyed by their id (batched INSERT or COPY), once each.";
    }

    @Override
    public ConfigDef configDef() {
        return KEYS;
    }

    @Override
    public Sink create(ProviderConfig config, ComponentContext context) {
        Properties properties = new Properties();
        if (config.has("properties")) {
            properties.putAll(config.getMap("properties"));
        }
        config.findString("user").ifPresent(u -> properties.setProperty("user", u));
        config.findPassword("password").map(Password::value).ifPresent(p -> properties.setProperty("password", p));
        properties.setProperty("connectTimeout", Long.toString(config.getDuration("connect-timeout").toSeconds()));
        properties.setProperty("socketTimeout", Long.toString(config.getDuration("socket-timeout").toSeconds()));
        properties.setProperty("reWriteBatchedInserts", "true");
        properties.putIfAbsent("ApplicationName", "polybus-sink-" + context.name());
        return new PostgresqlSink(context.name(), config.getString("url"), properties, config.getString("schema"),
                config.getString("table"), config.getString("mode").equals("copy"));
    }
}
