package io.polybus.agent.internal.syslog;

import io.polybus.ConfigException;
import io.polybus.agent.internal.BufferSettings;
import io.polybus.agent.internal.LineSettings;
import io.polybus.spi.ConfigDef;
import io.polybus.spi.ConfigDef.Type;
import io.polybus.spi.ProviderConfig;
import io.polybus.spi.TlsSettings;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * The keys of a {@code syslog} source: {@code tcp} or {@code udp} on {@code listen}; for TCP at most
 * {@code maxConnections} senders at once, with RFC 6587 {@code framing} {@code auto}, {@code octet-counting} or
 * {@code newline}, over TLS (RFC 5425) when {@code tls} is on.
 */
record SyslogSettings(boolean tcp, InetSocketAddress listen, int maxConnections, String framing, TlsSettings tls,
                      LineSettings lines) {

    static final ConfigDef KEYS = ConfigDef.builder("source", "syslog")
            .define("protocol", Type.STRING, "udp", ConfigDef.oneOf("udp", "tcp"), "`udp` (one message per datagram) or `tcp`.")
            .defineParsed("listen", "host:port", SyslogSettings::address,
                    "The address to listen on: `127.0.0.1:5514` (the default), `0.0.0.0:514`, `[::1]:5514`; port 0 picks a free one.")
            .define("max-connections", Type.INT, null, ConfigDef.between(1, 100_000),
                    "TCP only: senders connected at once, at most (default 100); more are refused (counted) until one closes.")
            .define("framing", Type.STRING, null, ConfigDef.oneOf("auto", "octet-counting", "newline"),
                    "TCP only: RFC 6587 framing (default `auto`: decided per connection by its first byte; RFC 5425 "
                            + "senders over TLS count octets).")
            .include(TlsSettings::defineServer)
            .include(LineSettings.keys("syslog", "64KiB", false))
            .include(BufferSettings.KEYS)
            .build();

    static SyslogSettings of(ProviderConfig c) {
        boolean tcp = c.getString("protocol").equalsIgnoreCase("tcp");
        if (!tcp) {
            List<ConfigException.Problem> problems = new ArrayList<>();
            for (String key : new String[] {"max-connections", "framing"}) {
                if (c.has(key)) {
                    problems.add(new ConfigException.Problem(c.pathOf(key), null, "used with protocol: tcp only (a UDP datagram is one message)"));
                }
            }
            if (c.getBoolean(TlsSettings.ENABLED)) {
                problems.add(new ConfigException.Problem(c.pathOf(TlsSettings.ENABLED), null,
                        "used with protocol: tcp only (syslog over TLS is RFC 5425, over TCP)"));
            }
            if (!problems.isEmpty()) {
                throw new ConfigException(problems);
            }
        }
        InetSocketAddress listen = c.find("listen", InetSocketAddress.class).orElseGet(() -> address("127.0.0.1:5514", c.pathOf("listen")));
        return new SyslogSettings(tcp, listen, c.has("max-connections") ? c.getInt("max-connections") : 100,
                c.findString("framing").orElse("auto").toLowerCase(java.util.Locale.ROOT), TlsSettings.forServer(c),
                LineSettings.of(c));
    }

    /** {@code host:port} or {@code [ipv6]:port}, resolved. */
    private static InetSocketAddress address(Object raw, String path) {
        String text = String.valueOf(raw);
        int colon = text.lastIndexOf(':');
        String host = colon <= 0 ? "" : text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.contains(":")) {
            host = "";
        }
        int port = -1;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException | StringIndexOutOfBoundsException ignored) {
            // reported below
        }
        InetSocketAddress address = port < 0 || port > 65535 || host.isBlank() ? null : new InetSocketAddress(host, port);
        if (address == null || address.isUnresolved()) {
            throw new ConfigException(path, text, "expected host:port with a port from 0 to 65535, such as "
                    + "127.0.0.1:5514, 0.0.0.0:514 or [::1]:5514 (the host must resolve)");
        }
        return address;
    }
}
