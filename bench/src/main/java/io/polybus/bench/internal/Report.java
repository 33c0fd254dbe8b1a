package io.polybus.bench.internal;

import java.util.ArrayList;
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
 * @param runs        one result per target, rate and round
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

    /** The raw run on the same broker, rate and round as {@code polybus}, if there is one that did not fail. */
    public Optional<RunResult> rawBaseline(RunResult polybus) {
        return runs.stream().filter(r -> r.client().equals(Target.RAW) && r.broker().equals(polybus.broker())
                && r.targetRate() == polybus.targetRate() && r.round() == polybus.round()
                && r.status() != RunResult.Status.FAILED).findFirst();
    }

    /**
     * Polybus ÷ raw per broker and rate, over its rounds: one ratio per round in which neither run failed
     * and the raw rate is not 0. Consume ratios only for separate phases, where the consume rate is the
     * consumers' own throughput (together, it follows the producers).
     */
    public List<Comparison> comparisons() {
        Map<String, List<RunResult>> byBrokerAndRate = new LinkedHashMap<>();
        runs.stream().filter(r -> r.client().equals(Target.POLYBUS)).forEach(r -> byBrokerAndRate
                .computeIfAbsent(r.broker() + " @ " + r.targetRate(), k -> new ArrayList<>()).add(r));
        List<Comparison> comparisons = new ArrayList<>();
        for (List<RunResult> rounds : byBrokerAndRate.values()) {
            List<Double> publish = new ArrayList<>();
            List<Double> consume = new ArrayList<>();
            for (RunResult polybus : rounds) {
                if (polybus.status() == RunResult.Status.FAILED) {
                    continue;
                }
                rawBaseline(polybus).filter(raw -> raw.publishRate() > 0).ifPresent(raw -> {
                    publish.add(polybus.publishRate() / raw.publishRate());
                    if (polybus.phases() == Workload.Phases.SEPARATE && raw.consumeRate() > 0) {
                        consume.add(polybus.consumeRate() / raw.consumeRate());
                    }
                });
            }
            RunResult first = rounds.get(0);
            if (!publish.isEmpty()) {
                comparisons.add(new Comparison(first.broker(), first.targetRate(), first.phases(), rounds.size(),
                        publish, consume));
            }
        }
        return comparisons;
    }

    /**
     * Polybus against the raw client on one broker at one rate, over the rounds that ran.
     *
     * @param rounds  how many rounds ran
     * @param publish Polybus's publish rate ÷ the raw client's, one per round compared, in round order
     * @param consume Polybus's consume rate ÷ the raw client's, one per round compared, in round order; empty
     *                unless the phases were separate
     */
    public record Comparison(String broker, long targetRate, Workload.Phases phases, int rounds,
                             List<Double> publish, List<Double> consume) {

        public Comparison {
            publish = List.copyOf(publish);
            consume = List.copyOf(consume);
        }

        /** The median of {@code ratios} (the mean of the middle two for an even count); NaN when empty. */
        public static double median(List<Double> ratios) {
            if (ratios.isEmpty()) {
                return Double.NaN;
            }
            List<Double> sorted = ratios.stream().sorted().toList();
            int mid = sorted.size() / 2;
            return sorted.size() % 2 == 1 ? sorted.get(mid) : (sorted.get(mid - 1) + sorted.get(mid)) / 2;
        }
    }

    /** True when every run passed: nothing lost, no send errors, nothing failed. */
    public boolean passed() {
        return runs.stream().allMatch(RunResult::passed);
    }
}
