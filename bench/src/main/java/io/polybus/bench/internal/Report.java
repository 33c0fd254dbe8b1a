package io.polybus.bench.internal;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything one benchmark invocation produced: what ran, where, and each run's result.
 *
 * @param schema      the JSON schema version, {@value #SCHEMA}
 * @param started     ISO-8601 start time
 * @param command     the command line
 * @param workload    the workload's settings as read (connection secrets left out)
 * @param environment JVM, machine and versions
 * @param runs        one result per target and rate
 * @param notes       what was skipped and why
 */
public record Report(String schema, String started, String command, Map<String, Object> workload,
                     Map<String, String> environment, List<RunResult> runs, List<String> notes) {
    public static final String SCHEMA = "polybus-bench/1";

    public Report {
        workload = Collections.unmodifiableMap(new LinkedHashMap<>(workload));
        environment = Collections.unmodifiableMap(new LinkedHashMap<>(environment));
        runs = List.copyOf(runs);
        notes = List.copyOf(notes);
    }

    /** The raw run on the same broker and rate as {@code polybus}, if there is one that passed. */
    public Optional<RunResult> rawBaseline(RunResult polybus) {
        return runs.stream().filter(r -> r.client().equals(Target.RAW) && r.broker().equals(polybus.broker())
                && r.targetRate() == polybus.targetRate() && r.status() != RunResult.Status.FAILED).findFirst();
    }

    /** True when every run passed: nothing lost, no send errors, nothing failed. */
    public boolean passed() {
        return runs.stream().allMatch(RunResult::passed);
    }
}
