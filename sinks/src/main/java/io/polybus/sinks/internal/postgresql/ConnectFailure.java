package io.polybus.sinks.internal.postgresql;

import org.postgresql.Driver;

import java.security.cert.CertPathBuilderException;
import java.security.cert.CertificateExpiredException;
import java.sql.SQLException;
import java.util.Properties;

/**
 * Turns the driver's failure to connect into one line that names the server, the database and the cause: refused
 * credentials, a server that wants TLS, a certificate the client does not trust or that does not name the host. The
 * SQLSTATE and the cause are kept, so retrying is decided as before; the password never appears (the server's words
 * name only the user). Stateless.
 */
final class ConnectFailure {
    private ConnectFailure() {
    }

    static SQLException explain(SQLException e, String url, Properties properties) {
        Properties parsed = Driver.parseURL(url, properties);
        String address = parsed == null ? url : parsed.getProperty("PGHOST", "localhost") + ":"
                + parsed.getProperty("PGPORT", "5432") + "/" + parsed.getProperty("PGDBNAME", "");
        String server = "PostgreSQL at " + address;
        String words = String.valueOf(e.getMessage()).lines().findFirst().orElse("").trim();
        String state = String.valueOf(e.getSQLState());
        String message;
        if (state.equals("28P01")) {
            message = server + " refused the credentials (check user and password): " + words;
        } else if (state.equals("28000") && words.contains("no encryption")) {
            message = server + " requires TLS and the sink connected without it (" + words + "); set properties"
                    + " sslmode: verify-full and sslrootcert";
        } else if (causedBy(e, CertificateExpiredException.class)) {
            message = server + ": TLS handshake failed: the server's certificate has expired (" + words + ")";
        } else if (causedBy(e, CertPathBuilderException.class)) {
            message = server + ": TLS handshake failed: the server's certificate is not signed by a CA in sslrootcert"
                    + (parsed == null ? "" : " '" + parsed.getProperty("sslrootcert", "~/.postgresql/root.crt") + "'");
        } else if (words.contains("could not be verified by hostnameverifier")) {
            message = server + ": TLS handshake failed: the server's certificate does not name the host connected to ("
                    + words + "); connect by a name it holds, or set sslmode: verify-ca";
        } else {
            message = server + ": " + words;
        }
        return new SQLException(message, e.getSQLState(), e);
    }

    private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }
}
