package io.polybus.redis.internal;

import io.polybus.AuthenticationException;
import io.polybus.BrokerUnavailableException;
import io.polybus.PolybusException;
import io.polybus.spi.TlsFailure;
import io.polybus.spi.TlsSettings;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.JedisPool;
import redis.clients.jedis.RedisProtocol;
import redis.clients.jedis.exceptions.JedisAccessControlException;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;

import java.time.Duration;
import java.util.Optional;
import java.util.function.Function;

/**
 * The connections of one broker: a shared pool for short commands (acks, dead letters, administration) and
 * dedicated connections for producers and blocking reads. Translates Jedis exceptions into Polybus ones,
 * naming host and port and never the password. Thread-safe.
 */
public final class Connections implements AutoCloseable {
    private final RedisSettings settings;
    private final HostAndPort address;
    private final JedisPool pool;

    Connections(RedisSettings settings) {
        this.settings = settings;
        this.address = new HostAndPort(settings.host(), settings.port());
        this.pool = new JedisPool(settings.poolConfig(), address, clientConfig(Duration.ZERO));
    }

    RedisSettings settings() {
        return settings;
    }

    private JedisClientConfig clientConfig(Duration extraSocketTime) {
        DefaultJedisClientConfig.Builder b = DefaultJedisClientConfig.builder()
                .protocol(RedisProtocol.RESP2)
                .connectionTimeoutMillis(millis(settings.connectTimeout()))
                .socketTimeoutMillis(millis(settings.socketTimeout().plus(extraSocketTime)))
                .database(settings.database());
        TlsSettings tls = settings.tls();
        if (tls.enabled()) {
            b.ssl(true).sslSocketFactory(tls.sslContext().getSocketFactory()).sslParameters(tls.sslParameters());
        }
        settings.user().ifPresent(b::user);
        settings.password().ifPresent(p -> b.password(p.value()));
        settings.clientName().ifPresent(b::clientName);
        return b.build();
    }

    private static int millis(Duration d) {
        return (int) Math.min(Integer.MAX_VALUE, Math.max(1, d.toMillis()));
    }

    /**
     * A new connection of its own, for a producer or a consumer; its socket timeout allows blocking reads of
     * {@code blockFor}.
     */
    Jedis dedicated(Duration blockFor) {
        Jedis jedis = new Jedis(address, clientConfig(blockFor));
        try {
            jedis.getConnection().ping();
            return jedis;
        } catch (JedisException e) {
            jedis.close();
            throw translate(e, "connect");
        }
    }

    /** Runs {@code work} on a pooled connection, translating failures. */
    <T> T withPooled(String what, Function<Jedis, T> work) {
        try (Jedis jedis = pool.getResource()) {
            return work.apply(jedis);
        } catch (JedisException e) {
            throw translate(e, what);
        }
    }

    /**
     * A failure of the broker's first connection, translated; when it looks like a lost connection, TLS is asked
     * what is wrong ({@link TlsFailure#diagnose}): a plaintext client on a TLS port, or a client certificate the
     * server refuses after a TLS 1.3 handshake, shows only as a closed connection. Opens a connection of its own.
     */
    PolybusException firstConnectionFailed(Throwable e) {
        PolybusException translated = translate(e, "connect to");
        if (!(translated instanceof BrokerUnavailableException)) {
            return translated;
        }
        return TlsFailure.diagnose(settings.tls(), "redis", settings.host(), settings.port(), settings.connectTimeout())
                .orElse(translated);
    }

    /** A Polybus exception for {@code e}, naming the server and what was being done. */
    PolybusException translate(Throwable e, String what) {
        if (e instanceof PolybusException p) {
            return p;
        }
        Optional<PolybusException> tlsFailure = settings.tls().enabled()
                ? TlsFailure.explain(e, settings.tls(), "redis", settings.address()) : Optional.empty();
        if (tlsFailure.isPresent()) {
            return tlsFailure.get();
        }
        Throwable cause = e;
        while (cause.getCause() instanceof JedisException inner && !(cause instanceof JedisAccessControlException)) {
            cause = inner;
        }
        String message = String.valueOf(cause.getMessage());
        if (e instanceof JedisAccessControlException || cause instanceof JedisAccessControlException
                || message.startsWith("NOAUTH") || message.startsWith("WRONGPASS")) {
            return new AuthenticationException("redis at " + settings.address() + " refused the credentials of "
                    + settings.user().map(u -> "user '" + u + "'").orElse("the default user")
                    + " (" + (settings.password().isPresent() ? "a password was given" : "no password was given")
                    + "): " + firstLine(message), e);
        }
        if (e instanceof JedisConnectionException) {
            return new BrokerUnavailableException("cannot " + what + " redis at " + settings.address() + ": "
                    + firstLine(message), e);
        }
        if (e instanceof JedisDataException) {
            return new PolybusException("redis at " + settings.address() + " refused to " + what + ": " + firstLine(message), e);
        }
        return new PolybusException("redis at " + settings.address() + " failed to " + what + ": " + firstLine(message), e);
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    @Override
    public void close() {
        pool.close();
    }
}
