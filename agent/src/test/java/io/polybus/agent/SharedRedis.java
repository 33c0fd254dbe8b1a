package io.polybus.agent;

import io.polybus.Config;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

import java.util.UUID;

/**
 * The shared Redis at 127.0.0.1:6379 as the broker of an agent in a JVM of its own (a broker that outlives the
 * agent's process), under a key prefix per test that {@link #cleanUp} deletes.
 */
final class SharedRedis {
    final String prefix = "polybus-agent-test:" + UUID.randomUUID().toString().substring(0, 8) + ":";

    Config config() {
        return Config.of("type", "redis", "host", "127.0.0.1", "port", "6379", "key-prefix", prefix);
    }

    void cleanUp() {
        try (Jedis jedis = new Jedis("127.0.0.1", 6379)) {
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
