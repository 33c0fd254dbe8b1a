package io.polybus.mqtt;

import io.micrometer.core.instrument.MeterRegistry;
import io.polybus.Broker;
import io.polybus.Capability;
import io.polybus.mqtt.internal.MqttBroker;
import io.polybus.mqtt.internal.MqttSettings;
import io.polybus.spi.BrokerProvider;
import io.polybus.spi.ConfigDef;
import io.polybus.spi.ProviderConfig;

import java.util.Set;

/**
 * The {@code mqtt} broker: an MQTT 5 server (Mosquitto 2, HiveMQ, EMQX, ...) through the HiveMQ MQTT client. A topic
 * is an MQTT topic, messages travel at QoS 1, and a group is a shared subscription ({@code $share/<group>/<topic>})
 * whose members each keep a persistent session. It keeps at-least-once delivery, fan-out, competing consumers,
 * requeue and dead letters (the last two by publishing, as MQTT has no negative acknowledgement); it cannot replay,
 * and order by key does not survive a group's round-robin. {@link Capability#DURABLE} is declared only with
 * {@code durable: true}, for a server that persists its sessions.
 *
 * <p>Every key is listed by {@link #configDef()} and in {@code docs/mqtt.md}. Constructing the provider opens no
 * connection; {@link #open} connects once and fails with a {@link io.polybus.BrokerUnavailableException} naming host
 * and port, or an {@link io.polybus.AuthenticationException} when the server refuses the credentials.
 */
public final class MqttBrokerProvider implements BrokerProvider {

    @Override
    public String type() {
        return "mqtt";
    }

    @Override
    public String description() {
        return "MQTT 5 (Mosquitto, HiveMQ, EMQX) with QoS 1, persistent sessions and shared subscriptions";
    }

    @Override
    public Set<Capability> capabilities() {
        return MqttBroker.capabilities(false);
    }

    @Override
    public ConfigDef configDef() {
        return MqttSettings.DEFINITION;
    }

    @Override
    public Broker open(ProviderConfig config, MeterRegistry meters) {
        return MqttBroker.open(MqttSettings.from(config), meters);
    }
}
