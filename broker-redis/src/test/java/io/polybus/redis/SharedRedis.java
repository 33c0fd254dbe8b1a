package io.polybus.redis;

import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.RedisProtocol;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

import java.security.SecureRandom;

/** The shared Redis at 127.0.0.1:6379, with a key prefix per test class so that cleanup touches only its keys. */
final class SharedRedis {
    static final String HOST = "127.0.0.1";
    static final int PORT = 6379;

    private SharedRedis() {
    }

    /** A key prefix no other run uses. */
    static String newPrefix(String what) {
        return "polybus-test:" + what + ":" + Long.toString(new SecureRandom().nextLong() & Long.MAX_VALUE, 36) + ":";
    }

    /** Deletes every key starting with {@code prefix}. */
    static void deleteKeys(String prefix) {
        deleteKeys(HOST, PORT, prefix);
    }

    static void deleteKeys(String host, int port, String prefix) {
        try (Jedis jedis = new Jedis(new HostAndPort(host, port),
                DefaultJedisClientConfig.builder().protocol(RedisProtocol.RESP2).build())) {
            String cursor = ScanParams.SCAN_POINTER_START;
            do {
                ScanResult<String> page = jedis.scan(cursor, new ScanParams().match(prefix + "*").count(1000));
                if (!page.getResult().isEmpty()) {
                    jedis.del(page.getResult().toArray(new String[0]));
                }
                cursor = page.getCursor();
            } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
        }
    }
}
