package io.polybus.spi;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The one future of {@link io.polybus.Producer#sendAll}: it counts the sends of a batch as they settle and completes
 * when the last one did, normally when every one succeeded, else exceptionally with the first failure (unwrapped
 * from {@link CompletionException} and {@link ExecutionException}). A provider that completes sends from a callback
 * can make its callback one of these, so that a batch costs one object instead of one future per message.
 * Thread-safe: sends may settle on any thread, each exactly once.
 */
public class BatchCompletion extends CompletableFuture<Void> {
    private final AtomicInteger pending;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();

    /** A batch of {@code sends} sends; completes at once when there are none. */
    public BatchCompletion(int sends) {
        if (sends < 0) {
            throw new IllegalArgumentException("a batch has no fewer than 0 sends: " + sends);
        }
        this.pending = new AtomicInteger(sends);
        if (sends == 0) {
            complete(null);
        }
    }

    /** One send of the batch succeeded. */
    public final void succeeded() {
        if (pending.decrementAndGet() == 0) {
            finish();
        }
    }

    /** {@code count} sends of the batch failed with {@code error} (count above 1 for sends never made). */
    public final void failed(Throwable error, int count) {
        failure.compareAndSet(null, unwrap(error));
        if (pending.addAndGet(-count) == 0) {
            finish();
        }
    }

    private void finish() {
        Throwable t = failure.get();
        if (t == null) {
            complete(null);
        } else {
            completeExceptionally(t);
        }
    }

    private static Throwable unwrap(Throwable error) {
        Throwable t = error;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
