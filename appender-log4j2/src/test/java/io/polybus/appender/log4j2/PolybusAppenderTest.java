package io.polybus.appender.log4j2;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.polybus.AckMode;
import io.polybus.Broker;
import io.polybus.Brokers;
import io.polybus.Config;
import io.polybus.Consumer;
import io.polybus.ConsumerOptions;
import org.apache.logging.log4j.Logger;
import org.apache.logging.log4j.MarkerManager;
import org.apache.logging.log4j.ThreadContext;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.config.ConfigurationSource;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.logging.log4j.message.StringMapMessage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Log4j2 appender configured in log4j2.xml, on the memory broker. */
class PolybusAppenderTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    private LoggerContext context;
    private Broker reader;

    @AfterEach
    void tearDown() {
        if (context != null) {
            Configurator.shutdown(context);
        }
        if (reader != null) {
            reader.close();
        }
    }

    private void configure(String appender) throws Exception {
        String xml = "<Configuration status='warn'><Appenders>" + appender + "</Appenders>"
                + "<Loggers><Root level='debug'><AppenderRef ref='POLYBUS'/></Root></Loggers></Configuration>";
        context = Configurator.initialize(getClass().getClassLoader(),
                new ConfigurationSource(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8))),
                "polybus-" + System.nanoTime());
    }

    private List<JsonNode> subscribe(String brokerName, String topic) {
        reader = Brokers.open(Config.of("type", "memory", "name", brokerName));
        List<JsonNode> events = new CopyOnWriteArrayList<>();
        Consumer ignored = reader.subscribe(ConsumerOptions.builder(topic, "check").ackMode(AckMode.AUTO).build(),
                d -> events.add(JSON.readTree(d.message().unsafePayload())));
        return events;
    }

    @Test
    void publishesEachLogCallAsTheAgentsEventJsonWithThreadContextMarkersMapMessageAndTheException() throws Exception {
        String name = "log4j2-" + System.nanoTime();
        List<JsonNode> events = subscribe(name, "app-logs");
        configure("<Polybus name='POLYBUS' broker='type=memory' topic='app-logs' service='shop' host='web-1' spoolDir='"
                + dir.resolve("spool") + "'><Property name='name' value='" + name + "'/></Polybus>");

        Logger log = context.getLogger("com.shop.Orders");
        ThreadContext.put("request", "r-7");
        try {
            log.info(MarkerManager.getMarker("AUDIT"), new StringMapMessage().with("order", "42").with("customer", "ann"));
        } finally {
            ThreadContext.clearMap();
        }
        log.error("payment failed", new IllegalStateException("card declined"));

        await().atMost(Duration.ofSeconds(10)).until(() -> events.size() == 2);
        JsonNode paid = events.get(0);
        assertEquals("web-1", paid.get("host").asText());
        assertEquals("log4j2", paid.at("/source/type").asText());
        assertEquals("shop", paid.at("/source/name").asText());
        assertEquals("INFO", paid.at("/fields/level").asText());
        assertEquals("com.shop.Orders", paid.at("/fields/logger").asText());
        assertEquals(Thread.currentThread().getName(), paid.at("/fields/thread").asText());
        assertEquals("r-7", paid.at("/fields/mdc/request").asText());
        assertEquals("AUDIT", paid.at("/fields/markers/0").asText());
        assertEquals("42", paid.at("/fields/args/order").asText());
        assertEquals("ann", paid.at("/fields/args/customer").asText());

        JsonNode failed = events.get(1);
        assertEquals("payment failed", failed.get("message").asText());
        assertEquals("ERROR", failed.at("/fields/level").asText());
        assertEquals(IllegalStateException.class.getName(), failed.at("/fields/exception/type").asText());
        assertEquals("card declined", failed.at("/fields/exception/message").asText());
        assertTrue(failed.at("/fields/exception/stack_trace").asText().contains("PolybusAppenderTest"));
    }

    @Test
    void theBrokerClientsOwnLoggersAreNotPublishedButCounted() throws Exception {
        String name = "log4j2-" + System.nanoTime();
        List<JsonNode> events = subscribe(name, "logs");
        configure("<Polybus name='POLYBUS' broker='type=memory; name=" + name + "' spoolDir='" + dir.resolve("spool")
                + "'/>");

        context.getLogger("org.apache.kafka.clients.NetworkClient").debug("connecting");
        context.getLogger("com.shop.Orders").info("kept");

        await().atMost(Duration.ofSeconds(10)).until(() -> events.size() == 1);
        assertEquals("kept", events.get(0).get("message").asText());
        PolybusAppender appender = context.getConfiguration().getAppender("POLYBUS");
        assertEquals(1, appender.stats().excluded());
    }

    @Test
    void aBadKeyMakesNoAppender() throws Exception {
        configure("<Polybus name='POLYBUS' broker='type=memory; nmae=x' queueCapacity='zero'/>");

        assertNull(context.getConfiguration().getAppender("POLYBUS"));
    }
}
