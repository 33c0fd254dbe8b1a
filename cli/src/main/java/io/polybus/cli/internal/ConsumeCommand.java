package io.polybus.cli.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.polybus.Broker;
import io.polybus.Brokers;
import io.polybus.Consumer;
import io.polybus.ConsumerOptions;
import io.polybus.Message;
import io.polybus.PolybusException;
import io.polybus.StartPosition;
import io.polybus.events.EventPack;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import sun.misc.Signal;

import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/** {@code polybus consume -t topic}: prints a topic's messages as they arrive, like kcat -C. */
@Command(name = "consume", mixinStandardHelpOptions = true,
        description = "Print the messages of a topic, one per line (a pack of agent events: one line per event), "
                + "acknowledging each; Ctrl-C to stop.")
public final class ConsumeCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** How each message is printed. */
    enum Format { PAYLOAD, JSON }

    @Mixin
    BrokerOptions broker;

    @Option(names = {"-t", "--topic"}, required = true, description = "Topic to read.")
    String topic;

    @Option(names = {"-g", "--group"}, description = "Group to read as, kept by the broker (default: an ephemeral one for this run, deleted when it ends).")
    String group;

    @Option(names = "--from", defaultValue = "LATEST", description = "Where a new group starts: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).")
    StartPosition from;

    @Option(names = {"-n", "--count"}, description = "Exit after this many messages (a pack counts its events; one printed in part is not acknowledged).")
    Long count;

    @Option(names = "--idle-exit", paramLabel = "DURATION", description = "Exit when no message arrived for this long, e.g. 5s.")
    String idleExit;

    @Option(names = {"-f", "--format"}, defaultValue = "PAYLOAD", description = "${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}); json adds key, headers, id, timestamp.")
    Format format;

    @Override
    public Integer call() throws Exception {
        ConsumerOptions.Builder options = ConsumerOptions.builder(topic,
                group != null ? group : "polybus-cli-" + UUID.randomUUID().toString().substring(0, 8)).startFrom(from);
        if (group == null) {
            options.ephemeral();
        }
        CountDownLatch done = new CountDownLatch(1);
        AtomicLong received = new AtomicLong();
        AtomicLong lastNanos = new AtomicLong(System.nanoTime());
        Signal.handle(new Signal("INT"), s -> done.countDown());
        Signal.handle(new Signal("TERM"), s -> done.countDown());
        long idleNanos;
        try {
            idleNanos = idleExit == null ? Long.MAX_VALUE : io.polybus.spi.ConfigDef.parseDuration(idleExit).toNanos();
        } catch (IllegalArgumentException e) {
            System.err.println("polybus consume: --idle-exit '" + idleExit + "': expected a duration with its unit, such as 5s or 500ms");
            return 2;
        }
        try (Broker b = Brokers.open(broker.brokerConfig());
             Consumer ignored = b.subscribe(options.build(), d -> {
                 boolean all = true;
                 for (byte[] event : EventPack.events(d.message())) {
                     if (count != null && received.get() >= count) {
                         all = false;
                         break;
                     }
                     print(d.message(), event);
                     if (count != null && received.incrementAndGet() >= count) {
                         done.countDown();
                     }
                 }
                 if (all) {
                     d.ack();
                 }
                 lastNanos.set(System.nanoTime());
             })) {
            while (!done.await(100, TimeUnit.MILLISECONDS)) {
                if (System.nanoTime() - lastNanos.get() > idleNanos) {
                    break;
                }
            }
            return 0;
        } catch (PolybusException e) {
            System.err.println("polybus consume: " + e.getMessage());
            return 1;
        }
    }

    /** Prints one event of {@code m} (its payload, or one line of a pack, shown with the pack headers left out). */
    private synchronized void print(Message m, byte[] event) {
        String payload = new String(event, StandardCharsets.UTF_8);
        if (format == Format.PAYLOAD) {
            System.out.println(payload);
        } else {
            ObjectNode n = JSON.createObjectNode();
            n.put("topic", m.topic()).put("key", m.keyAsString()).put("id", m.id())
                    .put("timestamp", m.timestamp().toString()).put("payload", payload);
            ObjectNode h = n.putObject("headers");
            boolean pack = EventPack.isPack(m);
            m.headers().forEach((name, value) -> {
                if (!pack || !name.equals(EventPack.CONTENT_TYPE_HEADER) && !name.equals(EventPack.COUNT_HEADER)) {
                    h.put(name, value);
                }
            });
            System.out.println(n);
        }
        System.out.flush();
    }

}
