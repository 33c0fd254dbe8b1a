package io.polybus.spring;

import org.springframework.boot.context.properties.ConfigurationProperties;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code polybus.*} properties. Every key under {@code polybus.broker} is handed to the broker module as
 * it is ({@code polybus.broker.bootstrap-servers} is the Kafka module's {@code bootstrap-servers}), so each
 * module's own key list validates it, and an error names the key as written here.
 */
@ConfigurationProperties(prefix = "polybus")
public class PolybusProperties {

    /**
     * The broker: "type" (memory, kafka, rabbitmq, redis, nats, artemis, mqtt or zeromq; memory when absent) and
     * the keys of that broker module as its page in docs/ lists them, nested or dotted.
     */
    private Map<String, String> broker = new LinkedHashMap<>();

    public Map<String, String> getBroker() {
        return broker;
    }

    public void setBroker(Map<String, String> broker) {
        this.broker = broker;
    }
}
