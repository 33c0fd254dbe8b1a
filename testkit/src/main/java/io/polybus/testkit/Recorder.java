package io.polybus.testkit;

import io.polybus.Delivery;
import io.polybus.DeliveryHandler;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** A handler that remembers every delivery, then lets a test decide what to do with it. */
public final class Recorder implements DeliveryHandler {
    private final List<Delivery> deliveries = new CopyOnWriteArrayList<>();
    private final Consumer<Delivery> then;

    private Recorder(Consumer<Delivery> then) {
        this.then = then;
    }

    /** Records and acks. */
    public static Recorder acking() {
        return new Recorder(Delivery::ack);
    }

    /** Records and leaves the delivery unsettled. */
    public static Recorder holding() {
        return new Recorder(d -> { });
    }

    /** Records, then runs {@code then}. */
    public static Recorder then(Consumer<Delivery> then) {
        return new Recorder(then);
    }

    @Override
    public void handle(Delivery delivery) {
        deliveries.add(delivery);
        then.accept(delivery);
    }

    public List<Delivery> deliveries() {
        return deliveries;
    }

    public int count() {
        return deliveries.size();
    }

    public List<String> payloads() {
        return deliveries.stream().map(d -> d.message().payloadAsString()).toList();
    }

    public boolean sawPayload(String payload) {
        return deliveries.stream().anyMatch(d -> d.message().payloadAsString().equals(payload));
    }
}
