package io.polybus.monitor.internal.notifiers;

import io.polybus.BrokerUnavailableException;
import io.polybus.Message;
import io.polybus.Producer;
import io.polybus.events.PipelineHealth;
import io.polybus.monitor.Alert;
import io.polybus.monitor.Notifier;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Publishes each notice as JSON to a topic, keyed by rule, and waits until the broker has it; tells the
 * health whether the broker could be reached.
 */
final class TopicNotifier implements Notifier {
    private static final long SEND_TIMEOUT_SECONDS = 30;
    private final Producer producer;
    private final String topic;
    private final PipelineHealth health;

    TopicNotifier(Producer producer, String topic, PipelineHealth health) {
        this.producer = producer;
        this.topic = topic;
        this.health = health;
    }

    @Override
    public void send(Alert alert) throws ExecutionException, InterruptedException, TimeoutException {
        health.ackPending();
        try {
            producer.send(Message.builder(topic).key(alert.rule()).payload(alert.toJsonBytes())
                    .header("content-type", "application/json").header("alert-status", alert.status().name().toLowerCase())
                    .build()).get(SEND_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            health.brokerReachable();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof BrokerUnavailableException) {
                health.brokerUnreachable("alerts topic '" + topic + "': " + e.getCause().getMessage());
            }
            throw e;
        } finally {
            health.ackCompleted();
        }
    }

    @Override
    public void close() {
        producer.close();
    }
}
