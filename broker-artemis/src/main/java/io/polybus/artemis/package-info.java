/** The ActiveMQ Artemis broker module: {@code type: artemis}, through the core client: a multicast address per topic, a durable queue per group, message groups for per-key order. See docs/artemis.md. */
package io.polybus.artemis;
