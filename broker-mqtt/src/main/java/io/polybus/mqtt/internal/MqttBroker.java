package io.polybus.mqtt.internal;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckRestrictions;
import io.micrometer.core.instrument.MeterRegistry;
import io.polybus.Broker;
import io.polybus.Capability;
import io.polybus.ClosedException;
import io.polybus.Consumer;
import io.polybus.ConsumerOptions;
import io.polybus.DeliveryHandler;
import io.polybus.PolybusException;
import io.polybus.Producer;
import io.polybus.ProducerOptions;
import io.polybus.spi.DeliveryCounters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.SecureRandom;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An open MQTT 5 broker. At open it connects once to check the server (reachable, credentials, QoS 1 and shared
 * subscriptions available, its maximum packet size); producers and consumers then make connections of their own.
 */
public final class MqttBroker implements Broker {
    private static final Logger log = LoggerFactory.getLogger(MqttBroker.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    final MqttSettings settings;
    private final MeterRegistry meters;
    private final Set<Capability> capabilities;
    private final long maxMessageBytes;
    private final AtomicBoolean closed = new AtomicBoolean();

    private MqttBroker(MqttSettings settings, MeterRegistry meters, Set<Capability> capabilities, long maxMessageBytes) {
        this.settings = settings;
        this.meters = meters;
        this.capabilities = capabilities;
        this.maxMessageBytes = maxMessageBytes;
    }

    /** What every configuration of this provider promises; DURABLE is added with {@code durable: true}. */
    public static Set<Capability> capabilities(boolean durable) {
        Set<Capability> caps = EnumSet.of(Capability.FANOUT, Capability.AT_LEAST_ONCE, Capability.DEAD_LETTER,
                Capability.PARTITIONED);
        if (durable) {
            caps.add(Capability.DURABLE);
        }
        return Set.copyOf(caps);
    }

    /**
     * Connects once to check the server.
     *
     * @throws io.polybus.BrokerUnavailableException naming host and port when it cannot be reached
     * @throws io.polybus.AuthenticationException    when it refuses the credentials
     */
    public static MqttBroker open(MqttSettings settings, MeterRegistry meters) {
        Clients.Connection probe = new Clients.Connection(settings, settings.clientId() + ":probe:" + randomSuffix(),
                true, 0, 1, cause -> { });
        Mqtt5ConnAck connAck = probe.connect();
        probe.close();
        Mqtt5ConnAckRestrictions restrictions = connAck.getRestrictions();
        if (!restrictions.isSharedSubscriptionAvailable()) {
            throw new PolybusException("mqtt server at " + settings.address() + " does not offer shared subscriptions"
                    + " ($share/<group>/<topic>), which Polybus groups are made of");
        }
        if (restrictions.getMaximumQos() == MqttQos.AT_MOST_ONCE) {
            throw new PolybusException("mqtt server at " + settings.address() + " accepts QoS 0 only; Polybus needs QoS 1");
        }
        long serverLimit = restrictions.getMaximumPacketSize() - MqttSettings.PACKET_OVERHEAD;
        long max = Math.min(settings.maxMessageBytes(), Math.max(1, serverLimit));
        Set<Capability> caps = capabilities(settings.durable());
        log.info("opened mqtt server at {} (client-id '{}'); capabilities {}", settings.address(), settings.clientId(), caps);
        return new MqttBroker(settings, meters, caps, max);
    }

    static String randomSuffix() {
        return Long.toString(RANDOM.nextLong() & Long.MAX_VALUE, 36);
    }

    @Override
    public String type() {
        return "mqtt";
    }

    @Override
    public Set<Capability> capabilities() {
        return capabilities;
    }

    @Override
    public long maxMessageBytes() {
        return maxMessageBytes;
    }

    @Override
    public Producer producer(ProducerOptions options) {
        ensureOpen();
        return new MqttProducer(this, options);
    }

    @Override
    public Consumer subscribe(ConsumerOptions options, DeliveryHandler handler) {
        ensureOpen();
        DeliveryCounters counters = DeliveryCounters.register(meters, "mqtt", options.topic(), options.group());
        return MqttConsumer.start(this, options, handler, counters);
    }

    private void ensureOpen() {
        if (closed.get()) {
            throw new ClosedException("mqtt broker at " + settings.address() + " is closed");
        }
    }

    @Override
    public void close() {
        closed.set(true);
    }
}
