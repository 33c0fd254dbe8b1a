package io.polybus.cli.internal;

import io.polybus.Broker;
import io.polybus.Brokers;
import io.polybus.Config;
import io.polybus.Message;
import io.polybus.events.EventPack;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code polybus produce} and {@code polybus consume} against the shared Redis (a broker that keeps messages). */
class ProduceConsumeCommandTest {
    private final String prefix = "polybus-cli-test:" + UUID.randomUUID().toString().substring(0, 8) + ":";
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private PrintStream savedOut;
    private PrintStream savedErr;
    private InputStream savedIn;

    @BeforeEach
    void capture() {
        savedOut = System.out;
        savedErr = System.err;
        savedIn = System.in;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() {
        System.setOut(savedOut);
        System.setErr(savedErr);
        System.setIn(savedIn);
        try (Jedis jedis = new Jedis("127.0.0.1", 6379)) {
            jedis.keys(prefix + "*").forEach(jedis::del);
        }
    }

    private int run(String... args) {
        return PolybusCommand.commandLine().execute(args);
    }

    @Test
    void producesArgumentsAndStdinLinesThenConsumesThemFromTheStart() {
        assertEquals(0, run("produce", "-b", "redis", "-X", "key-prefix=" + prefix, "-t", "cli", "-k", "k1", "first", "second"));
        System.setIn(new ByteArrayInputStream("third\nfourth\n".getBytes(StandardCharsets.UTF_8)));
        assertEquals(0, run("produce", "-b", "redis", "-X", "key-prefix=" + prefix, "-t", "cli"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("sent 2 message(s) to 'cli' on redis"), err.toString(StandardCharsets.UTF_8));

        assertEquals(0, run("consume", "-b", "redis", "-X", "key-prefix=" + prefix, "-t", "cli", "--from", "earliest",
                "-n", "4", "-f", "json"));
        String printed = out.toString(StandardCharsets.UTF_8);
        for (String m : new String[] {"first", "second", "third", "fourth"}) {
            assertTrue(printed.contains("\"payload\":\"" + m + "\""), printed);
        }
        assertTrue(printed.contains("\"key\":\"k1\""), printed);
    }

    @Test
    void consumePrintsEachEventOfAPackAsItsOwnLine() {
        try (Broker broker = Brokers.open(Config.of("type", "redis", "key-prefix", prefix))) {
            broker.producer().send(Message.builder("packs").key("k").header(EventPack.CONTENT_TYPE_HEADER, EventPack.CONTENT_TYPE)
                    .header(EventPack.COUNT_HEADER, "3").payload("{\"n\":1}\n{\"n\":2}\n{\"n\":3}").build()).join();
            broker.producer().send(Message.builder("packs").payload("{\"n\":4}").build()).join();
        }
        assertEquals(0, run("consume", "-b", "redis", "-X", "key-prefix=" + prefix, "-t", "packs", "--from", "earliest", "-n", "4"));
        assertEquals(List.of("{\"n\":1}", "{\"n\":2}", "{\"n\":3}", "{\"n\":4}"), printedLines());

        out.reset();
        assertEquals(0, run("consume", "-b", "redis", "-X", "key-prefix=" + prefix, "-t", "packs", "--from", "earliest",
                "-n", "2", "-f", "json"));
        List<String> printed = printedLines();
        assertEquals(2, printed.size(), printed.toString());
        assertTrue(printed.get(0).contains("\"payload\":\"{\\\"n\\\":1}\"") && printed.get(0).contains("\"headers\":{}"), printed.get(0));
        assertTrue(printed.get(1).contains("\"payload\":\"{\\\"n\\\":2}\"") && printed.get(1).contains("\"key\":\"k\""), printed.get(1));
    }

    @Test
    void consumeWithoutAGroupLeavesNoGroupBehindAndANamedGroupStays() {
        assertEquals(0, run("produce", "-b", "redis", "-X", "key-prefix=" + prefix, "-t", "look", "one"));
        assertEquals(0, run("consume", "-b", "redis", "-X", "key-prefix=" + prefix, "-t", "look", "--from", "earliest", "-n", "1"));
        assertEquals(List.of(), groupsOf(prefix + "look"), "an ephemeral group is deleted at exit");

        assertEquals(0, run("consume", "-b", "redis", "-X", "key-prefix=" + prefix, "-t", "look", "--from", "earliest",
                "-n", "1", "-g", "kept"));
        assertEquals(List.of("kept"), groupsOf(prefix + "look"), "-g names a group the broker keeps");
    }

    private static List<String> groupsOf(String stream) {
        try (Jedis jedis = new Jedis("127.0.0.1", 6379)) {
            return jedis.xinfoGroups(stream).stream().map(g -> g.getName()).toList();
        }
    }

    /** What consume printed, without the log lines that share stdout. */
    private List<String> printedLines() {
        return out.toString(StandardCharsets.UTF_8).lines().filter(l -> l.startsWith("{")).toList();
    }

    @Test
    void producingToTheInProcessMemoryBrokerWarnsThatTheMessagesDieWithTheCommand() {
        assertEquals(0, run("produce", "-t", "nowhere", "lost"));
        String said = err.toString(StandardCharsets.UTF_8);
        assertTrue(said.contains("warning: the memory broker lives inside this command") && said.contains("sent 1 message(s)"), said);
    }

    @Test
    void aSendNobodyStoresOnRabbitMqIsAOneLineError() throws Exception {
        String topic = "polybus-cli-test-noroute-" + UUID.randomUUID().toString().substring(0, 8);
        try {
            assertEquals(1, run("produce", "-b", "rabbitmq", "-t", topic, "unroutable"));
            String said = err.toString(StandardCharsets.UTF_8).strip();
            assertEquals(1, said.lines().count(), said);
            assertTrue(said.startsWith("polybus produce: ") && said.contains("no group is subscribed"), said);
        } finally {
            com.rabbitmq.client.ConnectionFactory factory = new com.rabbitmq.client.ConnectionFactory();
            try (com.rabbitmq.client.Connection c = factory.newConnection(); com.rabbitmq.client.Channel ch = c.createChannel()) {
                ch.exchangeDelete(topic);
            }
        }
    }

    @Test
    void anIdleExitWithoutAUnitIsAOneLineError() {
        assertEquals(2, run("consume", "-t", "x", "--idle-exit", "5"));
        assertEquals("polybus consume: --idle-exit '5': expected a duration with its unit, such as 5s or 500ms",
                err.toString(StandardCharsets.UTF_8).strip());
    }

    @Test
    void anUnknownBrokerTypeNamesTheTypesFound() {
        assertEquals(1, run("produce", "-b", "kafak", "-t", "x", "m"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("types found on the class path"), err.toString(StandardCharsets.UTF_8));
    }
}
