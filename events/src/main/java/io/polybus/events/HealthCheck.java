package io.polybus.events;

/**
 * One thing {@code /health} asks about. Implementations must be cheap and thread-safe: they are called on
 * every request, from the server's threads. {@link PipelineHealth} is the one the agent and monitor feed.
 */
@FunctionalInterface
public interface HealthCheck {

    /** The current state; never throws (a check that cannot decide reports itself unhealthy). */
    Result check();

    /**
     * @param healthy whether this part works
     * @param detail  one line for people: why not, or what is fine
     */
    record Result(boolean healthy, String detail) {
        public static Result healthy(String detail) {
            return new Result(true, detail);
        }

        public static Result unhealthy(String detail) {
            return new Result(false, detail);
        }
    }
}
