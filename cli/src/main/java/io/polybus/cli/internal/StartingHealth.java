package io.polybus.cli.internal;

import io.polybus.events.HealthCheck;

/**
 * The health of a part that is not running yet: {@code /health} answers from the start of the process, reporting
 * the part down with why (the broker cannot be reached yet), then, once the part runs, whatever its own check says.
 * Thread-safe.
 */
final class StartingHealth implements HealthCheck {
    private volatile Result waiting = Result.unhealthy("starting: connecting to the broker");
    private volatile HealthCheck running;

    /** The part waits: {@code /health} reports it down with {@code why}. */
    void waiting(String why) {
        waiting = Result.unhealthy(why);
    }

    /** The part runs: from now on its own check answers. */
    void running(HealthCheck check) {
        running = check;
    }

    @Override
    public Result check() {
        HealthCheck r = running;
        return r == null ? waiting : r.check();
    }
}
