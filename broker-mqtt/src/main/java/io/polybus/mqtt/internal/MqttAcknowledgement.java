package io.polybus.mqtt.internal;

import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.polybus.Message;
import io.polybus.spi.AbstractAcknowledgement;

/**
 * Settles one MQTT delivery; the shared rules (first outcome wins, max deliveries, dead letter or drop) come from
 * {@link AbstractAcknowledgement}, the broker operations from the consumer.
 */
final class MqttAcknowledgement extends AbstractAcknowledgement {
    final Mqtt5Publish publish;
    final Message message;
    private final MqttConsumer consumer;

    MqttAcknowledgement(MqttConsumer consumer, Mqtt5Publish publish, Message message, int attempt) {
        super(attempt, consumer.options, consumer.counters);
        this.consumer = consumer;
        this.publish = publish;
        this.message = message;
    }

    int attempt() {
        return attempt;
    }

    @Override
    protected void onAck() {
        consumer.acknowledge(this);
    }

    @Override
    protected void onRequeue(String reason) {
        consumer.requeue(this);
    }

    @Override
    protected void onDeadLetter(String deadLetterTopic, String reason) {
        consumer.deadLetter(this, deadLetterTopic, reason);
    }
}
