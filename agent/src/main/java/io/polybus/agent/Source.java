package io.polybus.agent;

import io.polybus.events.Processor;

/**
 * One configured source of log events: it reads its input on a thread the agent gives it and hands each record
 * to {@link SourceContext#send}, which runs the source's processors and ships the event at least once.
 *
 * <p>Lifecycle: the provider's {@code create} makes it without side effects (no socket, no thread: the agent
 * also creates sources to validate a configuration); the agent calls {@link #open} on every source before any
 * runs (so a source that cannot listen stops the agent before anything is read), then {@link #run} on a thread of
 * its own; {@link #wake()} from any thread when the agent stops; {@link #close()} after {@link #run} returned (or
 * when it never ran). A source that implements {@link io.micrometer.core.instrument.binder.MeterBinder} has its
 * meters bound to the agent's registry before {@link #open}.
 */
public interface Source extends AutoCloseable {

    /**
     * Opens what the source needs before reading (a listening socket).
     *
     * @param context the context {@link #run} will get
     * @throws IllegalStateException naming the source and what failed
     */
    default void open(SourceContext context) {
    }

    /**
     * A processor the source's events go through before the configured ones (the syslog source parses the
     * syslog header there), or null.
     */
    default Processor firstProcessor() {
        return null;
    }

    /**
     * Reads until {@link SourceContext#stopping()}, or, when {@link SourceContext#once()}, until the end of the
     * input (a source without one, such as a listener, runs until stopped). Sends what it holds back (an
     * unfinished multi-line event) and {@link SourceContext#flush() flushes} before returning.
     */
    void run(SourceContext context);

    /** Returns {@link #run} from a blocking wait soon: the agent is stopping. Called from any thread. */
    default void wake() {
    }

    /** Releases what {@link #open()} opened. The default does nothing. */
    @Override
    default void close() {
    }
}
