package io.polybus.bench.internal;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.datatypes.MqttTopic;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.polybus.Config;
import io.polybus.spi.ConfigDef;
import io.polybus.spi.Password;
import io.polybus.spi.ProviderConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The raw MQTT baseline on the HiveMQ MQTT client (MQTT 5), one connection per producer and consumer: producers
 * publish at QoS 1 with the async API and count a message sent on its PUBACK; consumers are members of the
 * shared subscription {@code $share/<group>/<topic>} at QoS 1 with a persistent session (clean start off, an hour's
 * expiry) and acknowledge each message manually once the sink has it, on the client's event loop. Settings:
 * {@link #KEYS}.
 */
final class MqttRawDriver implements Driver {
    private static final Logger LOG = LoggerFactory.getLogger(MqttRawDriver.class);
    private static final long TIMEOUT_SECONDS = 30;

    static final ConfigDef KEYS = BrokerSettings.builder("mqtt")
            .define("host", ConfigDef.Type.STRING, "127.0.0.1", ConfigDef.nonEmpty(), "The raw client's MQTT server host.")
            .define("port", ConfigDef.Type.INT, "1883", ConfigDef.between(1, 65_535), "Its port.")
            .define("username", ConfigDef.Type.STRING, null, "The user, if the server wants one.")
            .define("password", ConfigDef.Type.PASSWORD, null, "Its password.")
            .define("session-expiry", ConfigDef.Type.DURATION, "1h", "How long the server keeps a consumer's session while it is away.")
            .include(BrokerSettings.polybus("mqtt"))
            .build();

    private final String host;
    private final int port;
    private final String username;
    private final String password;
    private final long sessionExpiry;
    private final String polybusClientId;
    private final String run = UUID.randomUUID().toString().substring(0, 8);

    MqttRawDriver(ProviderConfig settings) throws Exception {
        this.host = settings.getString("host");
        this.port = settings.getInt("port");
        this.username = settings.findString("username").orElse(null);
        this.password = settings.findPassword("password").map(Password::value).orElse(null);
        this.sessionExpiry = settings.getDuration("session-expiry").toSeconds();
        String id = settings.find(BrokerSettings.POLYBUS, Config.class).flatMap(c -> c.get("client-id")).orElse(null);
        this.polybusClientId = id != null ? id : "polybus-" + InetAddress.getLocalHost().getHostName();
        Mqtt5AsyncClient probe = client("bench-probe-" + run);
        probe.connectWith().cleanStart(true).send().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        probe.disconnect().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    private Mqtt5AsyncClient client(String id) {
        var builder = MqttClient.builder().useMqttVersion5().identifier(id).serverHost(host).serverPort(port);
        if (username != null) {
            builder = builder.simpleAuth().username(username)
                    .password(password == null ? new byte[0] : password.getBytes(StandardCharsets.UTF_8)).applySimpleAuth();
        }
        return builder.buildAsync();
    }

    private static String memberId(String group, String topic, int consumer) {
        return "bench-raw:" + group + ":" + topic + ":" + consumer;
    }

    @Override
    public void createTopics(List<String> topics, int partitions) {
        // MQTT topics exist as soon as someone publishes or subscribes.
    }

    @Override
    public AutoCloseable subscribe(String topic, String group, int consumer, Sink sink) throws Exception {
        Mqtt5AsyncClient client = client(memberId(group, topic, consumer));
        client.publishes(MqttGlobalPublishFilter.ALL, publish -> {
            sink.receive(publish.getPayloadAsBytes());
            publish.acknowledge();
        }, true);
        client.connectWith().cleanStart(false).sessionExpiryInterval(sessionExpiry).send()
                .get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        client.subscribeWith().topicFilter("$share/" + group + "/" + topic).qos(MqttQos.AT_LEAST_ONCE).send()
                .get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        return () -> client.disconnect().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    @Override
    public Publisher publisher(String topic) throws Exception {
        Mqtt5AsyncClient client = client("bench-raw-producer-" + run + "-" + UUID.randomUUID().toString().substring(0, 8));
        client.connectWith().cleanStart(true).send().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        MqttTopic mqttTopic = MqttTopic.of(topic);
        return new Publisher() {
            private CompletableFuture<?> last = CompletableFuture.completedFuture(null);

            @Override
            public void send(byte[] key, byte[] payload, SendCallback done) {
                Mqtt5Publish publish = Mqtt5Publish.builder().topic(mqttTopic).qos(MqttQos.AT_LEAST_ONCE).payload(payload).build();
                last = client.publish(publish).whenComplete((result, error) -> done.done(error));
            }

            @Override
            public void flush() throws Exception {
                // PUBACKs come in publish order: the last one settles everything before it.
                last.handle((r, e) -> null).get(TIMEOUT_SECONDS * 10, TimeUnit.SECONDS);
            }

            @Override
            public void close() {
                try {
                    flush();
                    client.disconnect().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
                } catch (Exception e) {
                    LOG.warn("closing the raw MQTT producer of {}: {}", topic, e.toString());
                }
            }
        };
    }

    /** Ends the sessions a run left (this driver's members, and Polybus's first member slots): they hold messages. */
    @Override
    public void deleteTopics(List<String> topics, List<String> groups) {
        for (String topic : topics) {
            for (String group : groups) {
                for (int slot = 0; slot < 4; slot++) {
                    endSession(memberId(group, topic, slot));
                    endSession(polybusClientId + ":" + group + ":" + topic + ":" + slot);
                }
            }
        }
    }

    private void endSession(String id) {
        Mqtt5AsyncClient client = client(id);
        try {
            client.connectWith().cleanStart(true).sessionExpiryInterval(0).send().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            client.disconnect().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warn("could not end MQTT session {}: {}", id, e.toString());
        }
    }

    @Override
    public Map<String, String> provenance() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("client", "hivemq-mqtt-client " + Versions.get("hivemq-mqtt-client"));
        p.put("address", host + ":" + port);
        p.put("server", serverVersion());
        p.put("publish", "QoS 1, async publish, a message counts as sent on its PUBACK");
        p.put("consume", "shared subscription $share/<group>/<topic> at QoS 1, persistent session, manual acknowledgement per message");
        return p;
    }

    /** What the server says in {@code $SYS/broker/version} (Mosquitto), or "unknown". */
    private String serverVersion() {
        Mqtt5AsyncClient client = client("bench-version-" + run);
        CompletableFuture<String> version = new CompletableFuture<>();
        try {
            client.publishes(MqttGlobalPublishFilter.ALL, p -> version.complete(new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8)));
            client.connectWith().cleanStart(true).send().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            client.subscribeWith().topicFilter("$SYS/broker/version").send().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            return version.get(2, TimeUnit.SECONDS);
        } catch (Exception e) {
            return "unknown";
        } finally {
            client.disconnect();
        }
    }

    @Override
    public void close() {
        // Every client is closed by the publisher or subscription that made it.
    }
}
