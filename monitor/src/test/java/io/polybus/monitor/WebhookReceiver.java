package io.polybus.monitor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP endpoint on 127.0.0.1 that records the alerts POSTed to it; can refuse the first requests, and can hold
 * requests unanswered until released, then drop those of a sender that died meanwhile (by its {@value #SENDER}
 * header): a notice counts as notified only when a living sender got the answer.
 */
final class WebhookReceiver implements AutoCloseable {
    /** The header naming a request's sender. */
    static final String SENDER = "X-Sender";
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpServer server;
    private final List<JsonNode> accepted = new CopyOnWriteArrayList<>();
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicInteger refuseFirst;
    private final CountDownLatch closing = new CountDownLatch(1);
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private volatile CountDownLatch hold;
    private final List<String> held = new CopyOnWriteArrayList<>();
    private final Set<String> dead = ConcurrentHashMap.newKeySet();
    private final AtomicInteger abandoned = new AtomicInteger();

    /** Refuses the first {@code refuseFirst} requests with 503, then accepts. */
    WebhookReceiver(int refuseFirst) throws IOException {
        this(refuseFirst, false);
    }

    /** With {@code hang}, never answers (until closed): every request times out. */
    WebhookReceiver(int refuseFirst, boolean hang) throws IOException {
        this.refuseFirst = new AtomicInteger(refuseFirst);
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(executor);
        server.createContext("/hook", exchange -> {
            requests.incrementAndGet();
            if (hang) {
                try {
                    closing.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                exchange.close();
                return;
            }
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            String sender = String.valueOf(exchange.getRequestHeaders().getFirst(SENDER));
            CountDownLatch gate = hold;
            if (gate != null) {
                held.add(sender);
                try {
                    gate.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (dead.contains(sender)) {
                abandoned.incrementAndGet();
                exchange.close();
                return;
            }
            if (this.refuseFirst.getAndDecrement() > 0) {
                exchange.sendResponseHeaders(503, -1);
            } else {
                accepted.add(JSON.readTree(body));
                exchange.sendResponseHeaders(204, -1);
            }
            exchange.close();
        });
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/hook";
    }

    List<JsonNode> accepted() {
        return accepted;
    }

    int requests() {
        return requests.get();
    }

    /** From now on, holds every request unanswered (at most 60 s) until {@link #release}. */
    void hold() {
        hold = new CountDownLatch(1);
    }

    /** The {@value #SENDER} header of each request held since {@link #hold}, in arrival order. */
    List<String> held() {
        return held;
    }

    /** Answers the held requests and those to come, dropping unrecorded those of the {@code dead} sender. */
    void release(String deadSender) {
        dead.add(deadSender);
        CountDownLatch gate = hold;
        hold = null;
        if (gate != null) {
            gate.countDown();
        }
    }

    /** Requests dropped because their sender died while they were held. */
    int abandoned() {
        return abandoned.get();
    }

    @Override
    public void close() {
        closing.countDown();
        server.stop(0);
        executor.shutdownNow();
    }
}
