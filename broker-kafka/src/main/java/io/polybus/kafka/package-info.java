/** The Kafka broker module: {@code type: kafka}, through kafka-clients. See docs/kafka.md. */
package io.polybus.kafka;
