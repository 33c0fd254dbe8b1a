package io.polybus.rocketmq;

import io.polybus.Config;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One {@link RocketMqServer} per test run, for the test classes that {@code @ExtendWith} this: started before the
 * first of them, stopped by JUnit when the whole run ends (a resource of the root context).
 */
public final class SharedRocketMq implements BeforeAllCallback {
    private static volatile RocketMqServer server;

    @Override
    public void beforeAll(ExtensionContext context) {
        context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
                .getOrComputeIfAbsent(SharedRocketMq.class, k -> start(), Running.class);
    }

    /** Stops the server when the test run ends. */
    private record Running(RocketMqServer started) implements ExtensionContext.Store.CloseableResource, AutoCloseable {
        @Override
        public void close() throws Exception {
            server = null;
            started.close();
        }
    }

    private static Running start() {
        try {
            RocketMqServer started = RocketMqServer.start();
            server = started;
            return new Running(started);
        } catch (Exception e) {
            throw new IllegalStateException("cannot start a RocketMQ name server and broker", e);
        }
    }

    /** The running server; the test class must be annotated with {@code @ExtendWith(SharedRocketMq.class)}. */
    public static RocketMqServer server() {
        RocketMqServer running = server;
        if (running == null) {
            throw new IllegalStateException("no shared RocketMQ: annotate the test class with @ExtendWith(SharedRocketMq.class)");
        }
        return running;
    }

    /** The broker section for the shared server, plus {@code extra} key-value pairs. */
    public static Config config(String... extra) {
        return server().config(extra);
    }
}
