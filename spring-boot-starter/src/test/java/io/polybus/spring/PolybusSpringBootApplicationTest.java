package io.polybus.spring;

import io.micrometer.core.instrument.MeterRegistry;
import io.polybus.Delivery;
import io.polybus.Message;
import io.polybus.Producer;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.actuate.health.HealthComponent;
import org.springframework.boot.actuate.health.HealthEndpoint;
import org.springframework.boot.actuate.health.Status;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Bean;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A whole Spring Boot application, every auto-configuration on the class path included (Actuator, Micrometer):
 * the starter is found through its AutoConfiguration.imports, its meters land in the registry Boot made, and
 * {@code polybus} is a component of the health endpoint.
 */
@SpringBootTest(properties = {"polybus.broker.type=memory", "polybus.broker.name=spring-boot-application-test",
        "management.endpoint.health.show-details=always"})
class PolybusSpringBootApplicationTest {

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class Application {
        @Bean
        Greetings greetings() {
            return new Greetings();
        }
    }

    static class Greetings {
        final List<String> received = new CopyOnWriteArrayList<>();

        @PolybusListener(topic = "greetings", group = "app")
        void onGreeting(Delivery delivery) {
            received.add(delivery.message().payloadAsString());
        }
    }

    @Autowired
    Producer producer;
    @Autowired
    Greetings greetings;
    @Autowired
    MeterRegistry meters;
    @Autowired
    HealthEndpoint health;

    @Test
    void theStarterIsAutoConfiguredWithActuatorAndMicrometer() throws Exception {
        producer.send(Message.builder("greetings").payload("hello").build()).get(10, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> greetings.received.contains("hello"));
        await("the ack counted in the application's registry").atMost(Duration.ofSeconds(10)).until(() -> meters
                .find("polybus.consumer.outcomes").tags("topic", "greetings", "outcome", "ack").counters().stream()
                .anyMatch(c -> c.count() >= 1));
        HealthComponent polybus = health.healthForPath("polybus");
        assertThat(polybus).isNotNull();
        assertThat(polybus.getStatus()).isEqualTo(Status.UP);
    }
}
