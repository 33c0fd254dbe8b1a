package io.polybus.appender.logback;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.status.Status;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.polybus.AckMode;
import io.polybus.Broker;
import io.polybus.Brokers;
import io.polybus.Config;
import io.polybus.Consumer;
import io.polybus.ConsumerOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.MDC;
import org.slf4j.MarkerFactory;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Logback appender configured in logback.xml, on the memory broker. */
class PolybusAppenderTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    private final LoggerContext context = new LoggerContext();
    private Broker reader;

    @AfterEach
    void tearDown() {
        context.stop();
        if (reader != null) {
            reader.close();
        }
    }

    private void configure(String appenderBody) throws Exception {
        String xml = "<configuration><appender name='POLYBUS' class='io.polybus.appender.logback.PolybusAppender'>"
                + appenderBody + "</appender><root level='DEBUG'><appender-ref ref='POLYBUS'/></root></configuration>";
        context.setMDCAdapter(MDC.getMDCAdapter());
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        configurator.doConfigure(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
    }

    private List<JsonNode> subscribe(String brokerName, String topic) {
        reader = Brokers.open(Config.of("type", "memory", "name", brokerName));
        List<JsonNode> events = new CopyOnWriteArrayList<>();
        Consumer ignored = reader.subscribe(ConsumerOptions.builder(topic, "check").ackMode(AckMode.AUTO).build(),
                d -> events.add(JSON.readTree(d.message().unsafePayload())));
        return events;
    }

    @Test
    void publishesEachLogCallAsTheAgentsEventJsonWithMdcMarkersArgumentsAndTheException() throws Exception {
        String name = "logback-" + System.nanoTime();
        List<JsonNode> events = subscribe(name, "app-logs");
        configure("<broker>type=memory; name=" + name + "</broker><topic>app-logs</topic><service>shop</service>"
                + "<host>web-1</host><spoolDir>" + dir.resolve("spool") + "</spoolDir>");

        Logger log = context.getLogger("com.shop.Orders");
        MDC.put("request", "r-7");
        try {
            log.atInfo().addMarker(MarkerFactory.getMarker("AUDIT")).addKeyValue("order", 42)
                    .addKeyValue("customer", "ann").log("order {} paid", 42);
        } finally {
            MDC.clear();
        }
        log.error("payment failed", new IllegalStateException("card declined"));

        await().atMost(Duration.ofSeconds(10)).until(() -> events.size() == 2);
        JsonNode paid = events.get(0);
        assertEquals("order 42 paid", paid.get("message").asText());
        assertEquals("web-1", paid.get("host").asText());
        assertEquals("logback", paid.at("/source/type").asText());
        assertEquals("shop", paid.at("/source/name").asText());
        assertEquals("INFO", paid.at("/fields/level").asText());
        assertEquals("com.shop.Orders", paid.at("/fields/logger").asText());
        assertEquals(Thread.currentThread().getName(), paid.at("/fields/thread").asText());
        assertEquals("r-7", paid.at("/fields/mdc/request").asText());
        assertEquals("AUDIT", paid.at("/fields/markers/0").asText());
        assertEquals(42, paid.at("/fields/args/order").asInt());
        assertEquals("ann", paid.at("/fields/args/customer").asText());
        assertTrue(paid.get("timestamp").asText().endsWith("Z"));

        JsonNode failed = events.get(1);
        assertEquals("ERROR", failed.at("/fields/level").asText());
        assertEquals(IllegalStateException.class.getName(), failed.at("/fields/exception/type").asText());
        assertEquals("card declined", failed.at("/fields/exception/message").asText());
        assertTrue(failed.at("/fields/exception/stack_trace").asText().contains("PolybusAppenderTest"));
    }

    @Test
    void theBrokerClientsOwnLoggersAreNotPublishedButCounted() throws Exception {
        String name = "logback-" + System.nanoTime();
        List<JsonNode> events = subscribe(name, "logs");
        configure("<broker>type=memory\nname=" + name + "</broker><spoolDir>" + dir.resolve("spool") + "</spoolDir>");

        context.getLogger("org.apache.kafka.clients.NetworkClient").debug("connecting");
        context.getLogger("com.shop.Orders").info("kept");

        await().atMost(Duration.ofSeconds(10)).until(() -> events.size() == 1);
        assertEquals("kept", events.get(0).get("message").asText());
        PolybusAppender appender = (PolybusAppender) context.getLogger("ROOT").getAppender("POLYBUS");
        assertEquals(1, appender.stats().excluded());
    }

    @Test
    void aBadKeyIsReportedThroughLogbacksStatusAndTheAppenderStaysStopped() throws Exception {
        configure("<broker>type=memory; nmae=x</broker><queueCapacity>zero</queueCapacity>");

        PolybusAppender appender = (PolybusAppender) context.getLogger("ROOT").getAppender("POLYBUS");
        assertFalse(appender.isStarted());
        String errors = context.getStatusManager().getCopyOfStatusList().stream()
                .filter(s -> s.getLevel() == Status.ERROR).map(Status::getMessage).toList().toString();
        assertTrue(errors.contains("nmae"), errors);
    }
}
