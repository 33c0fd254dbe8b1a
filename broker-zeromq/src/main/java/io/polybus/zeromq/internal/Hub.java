package io.polybus.zeromq.internal;

import io.polybus.BrokerUnavailableException;
import io.polybus.Message;
import io.polybus.PolybusException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.zeromq.SocketType;
import org.zeromq.ZMQ;
import org.zeromq.ZMQException;
import org.zeromq.ZMonitor;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The receiving side of one broker: a SUB socket bound to {@code subscriber-endpoint} and read by one thread, which
 * hands each message to the consumers of its topic. Subscribing and unsubscribing are commands run on that thread
 * (the socket is not thread-safe). A new subscription is confirmed end to end: after the topic's subscription the
 * hub subscribes to a one-off sync token, which every connected Polybus producer echoes once it has read the
 * subscriptions before it; {@link #add} returns when all of them answered (or after {@code subscribe-wait}).
 *
 * <p>A consumer whose inbox is full makes the hub wait, which holds back the other consumers of this process and
 * then, through the high-water marks, the producers: nothing is dropped for being slow.
 */
final class Hub {
    private static final Logger log = LoggerFactory.getLogger(Hub.class);

    private final ZmqSettings settings;
    private final ZMQ.Socket socket;
    private final Thread thread;
    private final Queue<Runnable> commands = new ConcurrentLinkedQueue<>();
    private final AtomicInteger peers = new AtomicInteger();
    /** Hub thread only. */
    private final Map<String, List<ZmqConsumer>> byTopic = new HashMap<>();
    private final Map<Long, Sync> syncs = new HashMap<>();
    private long nextSync;
    private volatile boolean running = true;

    private static final class Sync {
        final byte[] token;
        final int expected;
        final CompletableFuture<Void> done;
        int echoes;

        Sync(byte[] token, int expected, CompletableFuture<Void> done) {
            this.token = token;
            this.expected = expected;
            this.done = done;
        }
    }

    Hub(ZmqBroker broker) {
        this.settings = broker.settings;
        socket = broker.context.createSocket(SocketType.SUB);
        socket.setRcvHWM(settings.highWaterMark());
        socket.setMaxMsgSize(settings.maxMessageBytes() + 64 * 1024);
        socket.setReceiveTimeOut(10);
        socket.setEventHook(event -> {
            if (event.getEvent() == ZMonitor.Event.HANDSHAKE_PROTOCOL) {
                peers.incrementAndGet();
            } else if (event.getEvent() == ZMonitor.Event.DISCONNECTED) {
                peers.updateAndGet(n -> Math.max(0, n - 1));
            }
        }, ZMQ.EVENT_HANDSHAKE_PROTOCOL | ZMQ.EVENT_DISCONNECTED);
        try {
            socket.bind(settings.subscriberEndpoint());
        } catch (ZMQException e) {
            socket.close();
            throw new BrokerUnavailableException("zeromq consumers cannot listen on " + settings.subscriberEndpoint()
                    + ": " + e.getMessage() + " (another process bound it? give each its own subscriber-endpoint)", e);
        }
        socket.subscribe(Frames.READY);
        thread = new Thread(this::run, "polybus-zeromq-hub " + settings.subscriberEndpoint());
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Adds a consumer and waits until the producers connected now confirmed its topic's subscription.
     *
     * @throws PolybusException when its group already has a consumer here (ZeroMQ cannot share a group's messages)
     */
    void add(ZmqConsumer consumer) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        commands.add(() -> {
            List<ZmqConsumer> consumers = byTopic.computeIfAbsent(consumer.topic(), t -> new ArrayList<>());
            for (ZmqConsumer c : consumers) {
                if (c.group().equals(consumer.group())) {
                    done.completeExceptionally(new PolybusException("group '" + consumer.group() + "' of topic '"
                            + consumer.topic() + "' already has a consumer in this process; zeromq cannot share a group's"
                            + " messages between consumers (no PARTITIONED): each would get every message"));
                    return;
                }
            }
            if (consumers.isEmpty()) {
                socket.subscribe(Frames.topicPrefix(consumer.topic()));
            }
            consumers.add(consumer);
            long n = ++nextSync;
            byte[] token = Frames.sync(n);
            int expected = peers.get();
            if (expected == 0) {
                done.complete(null);
                return;
            }
            socket.subscribe(token);
            syncs.put(n, new Sync(token, expected, done));
        });
        try {
            done.get(settings.subscribeWait().toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw (PolybusException) e.getCause();
        } catch (TimeoutException e) {
            log.warn("not every producer connected to {} confirmed the subscription of group '{}' to topic '{}' within {}"
                    + " (subscribe-wait); their messages may miss it for a moment", settings.subscriberEndpoint(),
                    consumer.group(), consumer.topic(), settings.subscribeWait());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Removes a consumer; the topic's subscription goes with its last consumer. */
    void remove(ZmqConsumer consumer) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        commands.add(() -> {
            List<ZmqConsumer> consumers = byTopic.get(consumer.topic());
            if (consumers != null && consumers.remove(consumer) && consumers.isEmpty()) {
                byTopic.remove(consumer.topic());
                socket.unsubscribe(Frames.topicPrefix(consumer.topic()));
            }
            done.complete(null);
        });
        try {
            done.get(settings.subscribeWait().toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            log.debug("removing consumer of topic '{}': {}", consumer.topic(), e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        while (running) {
            Runnable command;
            while ((command = commands.poll()) != null) {
                command.run();
            }
            byte[] frame;
            try {
                frame = socket.recv(0);
            } catch (ZMQException e) {
                if (running) {
                    log.error("zeromq hub on {} stopped reading: {}", settings.subscriberEndpoint(), e.toString());
                }
                break;
            }
            if (frame == null || frame.length == 0) {
                continue;
            }
            if (frame[0] == Frames.CONTROL) {
                echoed(frame);
                continue;
            }
            String topic = Frames.topic(frame);
            List<ZmqConsumer> consumers = topic == null ? null : byTopic.get(topic);
            if (consumers == null || consumers.isEmpty()) {
                continue;
            }
            Message message;
            try {
                message = Frames.decode(topic, frame);
            } catch (RuntimeException e) {
                log.warn("zeromq hub on {}: a frame for topic '{}' is not a Polybus message; dropped: {}",
                        settings.subscriberEndpoint(), topic, e.toString());
                continue;
            }
            for (ZmqConsumer c : consumers) {
                c.offer(message);
            }
        }
        socket.close();
    }

    private void echoed(byte[] frame) {
        if (!Frames.isSync(frame, 0)) {
            return;
        }
        String text = new String(frame, 1 + Frames.SYNC_PREFIX.length(), frame.length - 2 - Frames.SYNC_PREFIX.length(),
                java.nio.charset.StandardCharsets.US_ASCII);
        Sync sync = syncs.get(Long.parseLong(text));
        if (sync != null && ++sync.echoes >= sync.expected) {
            syncs.remove(Long.parseLong(text));
            socket.unsubscribe(sync.token);
            sync.done.complete(null);
        }
    }

    void close() {
        running = false;
        try {
            thread.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
