package io.polybus.artemis;

import io.polybus.Config;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One {@link ArtemisServer} per test run, for the test classes that {@code @ExtendWith} this: started before the
 * first of them, stopped by JUnit when the whole run ends (a resource of the root context).
 */
public final class SharedArtemis implements BeforeAllCallback {
    private static volatile ArtemisServer server;

    @Override
    public void beforeAll(ExtensionContext context) {
        context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
                .getOrComputeIfAbsent(SharedArtemis.class, k -> start(), Running.class);
    }

    /** Stops the server when the test run ends. */
    private record Running(ArtemisServer started) implements ExtensionContext.Store.CloseableResource, AutoCloseable {
        @Override
        public void close() throws Exception {
            server = null;
            started.close();
        }
    }

    private static Running start() {
        try {
            ArtemisServer started = ArtemisServer.start();
            server = started;
            return new Running(started);
        } catch (Exception e) {
            throw new IllegalStateException("cannot start an Artemis broker", e);
        }
    }

    /** The running server; the test class must be annotated with {@code @ExtendWith(SharedArtemis.class)}. */
    public static ArtemisServer server() {
        ArtemisServer running = server;
        if (running == null) {
            throw new IllegalStateException("no shared Artemis: annotate the test class with @ExtendWith(SharedArtemis.class)");
        }
        return running;
    }

    /** The broker section for the shared server, plus {@code extra} key-value pairs. */
    public static Config config(String... extra) {
        return server().config(extra);
    }
}
