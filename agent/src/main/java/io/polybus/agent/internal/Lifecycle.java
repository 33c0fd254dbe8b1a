package io.polybus.agent.internal;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** Shared run state of the agent's sources: whether to stop, whether to finish at end of input. Thread-safe. */
final class Lifecycle {
    private final boolean once;
    private final CountDownLatch sources;
    private volatile boolean stopping;

    Lifecycle(boolean once, int sources) {
        this.once = once;
        this.sources = new CountDownLatch(sources);
    }

    boolean once() {
        return once;
    }

    boolean stopping() {
        return stopping;
    }

    void stop() {
        stopping = true;
    }

    void sourceFinished() {
        sources.countDown();
    }

    boolean awaitSources(long millis) throws InterruptedException {
        return sources.await(millis, TimeUnit.MILLISECONDS);
    }
}
