package io.polybus.cli.internal;

import io.polybus.Broker;
import io.polybus.Brokers;
import io.polybus.Message;
import io.polybus.PolybusException;
import io.polybus.Producer;
import io.polybus.Receipt;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/** {@code polybus produce -t topic [message...]}: sends messages (or stdin's lines) to any broker, like kcat -P. */
@Command(name = "produce", mixinStandardHelpOptions = true,
        description = "Send the given messages, or each line of stdin, to a topic; waits until the broker has them.")
public final class ProduceCommand implements Callable<Integer> {
    @Mixin
    BrokerOptions broker;

    @Option(names = {"-t", "--topic"}, required = true, description = "Topic to send to.")
    String topic;

    @Option(names = {"-k", "--key"}, description = "Key of every message.")
    String key;

    @Option(names = {"-H", "--header"}, paramLabel = "NAME=VALUE", description = "A header of every message.")
    Map<String, String> headers = new LinkedHashMap<>();

    @Parameters(paramLabel = "MESSAGE", arity = "0..*", description = "Messages to send; without any, each line of stdin is one.")
    List<String> messages = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        int sent = 0;
        try (Broker b = Brokers.open(broker.brokerConfig()); Producer producer = b.producer()) {
            if (b.type().equals("memory")) {
                System.err.println("polybus produce: warning: the memory broker lives inside this command, so the messages "
                        + "die with it when it exits; name a broker that keeps them with -b (kafka, rabbitmq, redis, ...) or -c FILE");
            }
            List<CompletableFuture<Receipt>> pending = new ArrayList<>();
            if (!messages.isEmpty()) {
                for (String m : messages) {
                    pending.add(producer.send(message(m)));
                }
            } else {
                BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
                String line;
                while ((line = in.readLine()) != null) {
                    pending.add(producer.send(message(line)));
                    if (pending.size() >= 1000) {
                        sent += settle(pending);
                    }
                }
            }
            sent += settle(pending);
            System.err.println("sent " + sent + " message(s) to '" + topic + "' on " + b.type());
            return 0;
        } catch (PolybusException e) {
            System.err.println("polybus produce: " + e.getMessage());
            return 1;
        }
    }

    private Message message(String payload) {
        return Message.builder(topic).key(key).headers(headers).payload(payload).build();
    }

    /** Waits for every pending send; a failed one is thrown as what the broker said, for a one-line error. */
    private static int settle(List<CompletableFuture<Receipt>> pending) {
        int n = 0;
        for (CompletableFuture<Receipt> f : pending) {
            try {
                f.join();
            } catch (CompletionException e) {
                if (e.getCause() instanceof PolybusException p) {
                    throw p;
                }
                throw e;
            }
            n++;
        }
        pending.clear();
        return n;
    }
}
