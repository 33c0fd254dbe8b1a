/** The NATS JetStream broker module: {@code type: nats}, through jnats: a stream per topic, a durable pull consumer per group. See docs/nats.md. */
package io.polybus.nats;
