package io.polybus.redis.internal;

import io.polybus.ConsumerOptions;
import io.polybus.DeliveryHandler;
import io.polybus.spi.AbstractAcknowledgement;
import io.polybus.spi.DeliveryCounters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Protocol.Command;
import redis.clients.jedis.exceptions.JedisException;

import static io.polybus.redis.internal.StreamFields.bytes;

/**
 * A consumer whose reader blocks on a dedicated connection (XREADGROUP in streams mode, BLMOVE in list mode).
 * Closing wakes the reader with {@code CLIENT UNBLOCK}, so it does not wait out its poll timeout.
 */
abstract class BlockingReaderConsumer<A extends AbstractAcknowledgement> extends RedisConsumer<A> {
    private static final Logger log = LoggerFactory.getLogger(BlockingReaderConsumer.class);

    private volatile long readerClientId = -1;
    /** Used by the reader thread only; null after a failure until the reader connects again. */
    Jedis readerConnection;

    BlockingReaderConsumer(Connections connections, ConsumerOptions options, DeliveryHandler handler,
                           DeliveryCounters counters, String kind) {
        super(connections, options, handler, counters, kind, false);
    }

    /** A new dedicated connection for the reader; its client id is kept so that {@link #wakeUp} can unblock it. */
    Jedis connect() {
        Jedis jedis = connections.dedicated(settings.pollTimeout());
        readerClientId = (Long) jedis.sendCommand(Command.CLIENT, bytes("ID"));
        return jedis;
    }

    @Override
    void dropConnection() {
        Jedis j = readerConnection;
        readerConnection = null;
        if (j != null) {
            try {
                j.close();
            } catch (JedisException e) {
                log.debug("closing a broken reader connection: {}", e.toString());
            }
        }
    }

    @Override
    void wakeUp() {
        long id = readerClientId;
        if (id < 0) {
            return;
        }
        try {
            connections.withPooled("wake a consumer", jedis -> jedis.sendCommand(Command.CLIENT, bytes("UNBLOCK"),
                    bytes(Long.toString(id))));
        } catch (RuntimeException e) {
            log.debug("could not wake the reader of group '{}' on topic '{}': {}", options.group(), options.topic(),
                    e.toString());
        }
    }
}
