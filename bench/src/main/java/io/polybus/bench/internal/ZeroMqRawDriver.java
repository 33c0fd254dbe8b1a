package io.polybus.bench.internal;

import io.polybus.spi.ConfigDef;
import io.polybus.spi.ProviderConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;
import org.zeromq.ZMQException;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The raw ZeroMQ baseline on JeroMQ, PUB/SUB as the ZeroMQ guide draws it: each producer binds an XPUB socket (the
 * {@code endpoint}'s port, plus one per further producer) and waits until every consumer subscribed so far has
 * connected to it (the slow-joiner handshake); consumers connect SUB sockets and subscribe to {@code topic\0}. One
 * frame per message ({@code topic\0payload}); the XPUB does not drop at its high-water mark ({@code hwm}, 10000)
 * but makes the sender wait, so that a fast producer is held back rather than losing messages. A message counts as
 * sent when the socket took it: nothing acknowledges it. Settings: {@link #KEYS}.
 */
final class ZeroMqRawDriver implements Driver {
    private static final Logger LOG = LoggerFactory.getLogger(ZeroMqRawDriver.class);

    static final ConfigDef KEYS = BrokerSettings.builder("zeromq")
            .define("endpoint", ConfigDef.Type.STRING, "tcp://127.0.0.1:5557", ConfigDef.nonEmpty(),
                    "Where the first producer's XPUB socket binds (`tcp://host:port`); further producers bind the next ports.")
            .define("hwm", ConfigDef.Type.INT, "10000", ConfigDef.atLeast(1), "Messages a socket queues before the sender waits.")
            .include(BrokerSettings.polybus("zeromq"))
            .build();

    private final ZContext context = new ZContext();
    private final String host;
    private final int basePort;
    private final int hwm;
    private final AtomicInteger producers = new AtomicInteger();
    private final Map<String, AtomicInteger> subscribers = new ConcurrentHashMap<>();
    private final Map<String, List<String>> endpointsByTopic = new ConcurrentHashMap<>();
    private final List<ZMQ.Socket> subSockets = new java.util.concurrent.CopyOnWriteArrayList<>();

    ZeroMqRawDriver(ProviderConfig settings) {
        String endpoint = settings.getString("endpoint");
        int colon = endpoint.lastIndexOf(':');
        this.host = endpoint.substring(0, colon);
        this.basePort = Integer.parseInt(endpoint.substring(colon + 1));
        this.hwm = settings.getInt("hwm");
    }

    @Override
    public void createTopics(List<String> topics, int partitions) {
        // A topic is a subscription prefix.
    }

    private String endpoint(int producer) {
        return host + ":" + (basePort + producer);
    }

    private static byte[] prefix(String topic) {
        byte[] t = topic.getBytes(StandardCharsets.UTF_8);
        return Arrays.copyOf(t, t.length + 1);
    }

    @Override
    public AutoCloseable subscribe(String topic, String group, int consumer, Sink sink) {
        ZMQ.Socket socket = context.createSocket(SocketType.SUB);
        socket.setRcvHWM(hwm);
        socket.setReceiveTimeOut(100);
        socket.subscribe(prefix(topic));
        // Producers bind later in the run; the SUB connects to the ports they will take (and retries until then).
        for (int p = 0; p < 16; p++) {
            socket.connect(endpoint(p));
        }
        subscribers.computeIfAbsent(topic, t -> new AtomicInteger()).incrementAndGet();
        int skip = prefix(topic).length;
        Thread thread = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                byte[] frame;
                try {
                    frame = socket.recv(0);
                } catch (ZMQException e) {
                    return;
                }
                if (frame != null) {
                    sink.receive(Arrays.copyOfRange(frame, skip, frame.length));
                }
            }
        }, "bench-zeromq-" + group + "-" + consumer);
        thread.setDaemon(true);
        thread.start();
        return () -> {
            thread.interrupt();
            thread.join(5_000);
            socket.close();
            subscribers.get(topic).decrementAndGet();
        };
    }

    @Override
    public Publisher publisher(String topic) {
        int index = producers.getAndIncrement();
        ZMQ.Socket socket = context.createSocket(SocketType.XPUB);
        socket.setXpubVerbose(true);
        socket.setXpubNoDrop(true);
        socket.setSndHWM(hwm);
        socket.setLinger(1000);
        socket.bind(endpoint(index));
        int expected = subscribers.getOrDefault(topic, new AtomicInteger()).get();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        int seen = 0;
        while (seen < expected && System.nanoTime() < deadline) {
            byte[] subscription = socket.recv(ZMQ.DONTWAIT);
            if (subscription == null) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            } else if (subscription.length > 0 && subscription[0] == 1) {
                seen++;
            }
        }
        if (seen < expected) {
            LOG.warn("only {} of {} subscribers connected to {} within 10 s", seen, expected, endpoint(index));
        }
        byte[] prefix = prefix(topic);
        return new Publisher() {
            @Override
            public void send(byte[] key, byte[] payload, SendCallback done) {
                byte[] frame = Arrays.copyOf(prefix, prefix.length + payload.length);
                System.arraycopy(payload, 0, frame, prefix.length, payload.length);
                while (!socket.send(frame, ZMQ.DONTWAIT)) {
                    // A subscriber is a high-water mark behind: wait for it, as a blocking send would.
                    LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(200));
                }
                done.done(null);
            }

            @Override
            public void flush() {
                // Sends complete when the socket takes them.
            }

            @Override
            public void close() {
                socket.close();
            }
        };
    }

    @Override
    public void deleteTopics(List<String> topics, List<String> groups) {
        // Nothing is kept anywhere.
    }

    @Override
    public Map<String, String> provenance() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("client", "jeromq " + Versions.get("jeromq"));
        p.put("endpoint", endpoint(0));
        p.put("server", "none (brokerless)");
        p.put("publish", "XPUB bound per producer, no drop at the high-water mark (" + hwm + "), sent = taken by the socket");
        p.put("consume", "SUB connected, subscribed to topic\\0, nothing acknowledged");
        return p;
    }

    @Override
    public void close() {
        context.close();
    }
}
