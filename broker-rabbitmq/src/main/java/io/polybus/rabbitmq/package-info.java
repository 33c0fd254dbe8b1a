/** The RabbitMQ broker module: {@code type: rabbitmq}, through amqp-client. See docs/rabbitmq.md. */
package io.polybus.rabbitmq;
