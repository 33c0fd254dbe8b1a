package io.polybus.appender;

/**
 * Keeps log output from re-entering an appender: events logged on a thread that is inside the appender (its
 * sending thread, or a caller while it hands an event over) are not published. Broker client threads of their own
 * (Kafka's network thread) are kept out by {@link AppenderSettings#excludedLoggers()} instead. Such events still
 * reach the framework's other appenders; the appender counts them as {@code excluded}.
 *
 * <p>Thread-safe: the state is per thread.
 */
public final class RecursionGuard {
    private static final ThreadLocal<boolean[]> INSIDE = ThreadLocal.withInitial(() -> new boolean[1]);

    private RecursionGuard() {
    }

    /** Whether the current thread is inside an appender. */
    public static boolean inside() {
        return INSIDE.get()[0];
    }

    /**
     * Marks the current thread as inside an appender until {@link #exit()}.
     *
     * @return false when it already was (the caller must then not publish, and not call {@link #exit()})
     */
    public static boolean enter() {
        boolean[] state = INSIDE.get();
        if (state[0]) {
            return false;
        }
        state[0] = true;
        return true;
    }

    /** Ends what {@link #enter()} began on this thread. */
    public static void exit() {
        INSIDE.get()[0] = false;
    }
}
