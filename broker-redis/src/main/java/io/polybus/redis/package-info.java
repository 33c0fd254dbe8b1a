/** The Redis broker module: {@code type: redis}, streams, list or pub/sub mode, through Jedis. See docs/redis.md. */
package io.polybus.redis;
