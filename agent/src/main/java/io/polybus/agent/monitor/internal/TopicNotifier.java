package io.polybus.agent.monitor.internal;

import io.polybus.Message;
import io.polybus.Producer;
import io.polybus.agent.monitor.Alert;
import io.polybus.agent.monitor.Notifier;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Publishes each notice as JSON to a topic, keyed by rule, and waits until the broker has it. */
final class TopicNotifier implements Notifier {
    private static final long SEND_TIMEOUT_SECONDS = 30;
    private final Producer producer;
    private final String topic;

    TopicNotifier(Producer producer, String topic) {
        this.producer = producer;
        this.topic = topic;
    }

    @Override
    public void send(Alert alert) throws ExecutionException, InterruptedException, TimeoutException {
        producer.send(Message.builder(topic).key(alert.rule()).payload(alert.toJsonBytes())
                .header("content-type", "application/json").header("alert-status", alert.status().name().toLowerCase())
                .build()).get(SEND_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        producer.close();
    }
}
