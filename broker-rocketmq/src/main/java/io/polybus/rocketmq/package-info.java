/** The Apache RocketMQ broker module: {@code type: rocketmq}, through the RocketMQ 5 remoting client: a topic per topic, a clustering consumer group per group, a queue chosen by key and orderly consumption for per-key order. See docs/rocketmq.md. */
package io.polybus.rocketmq;
