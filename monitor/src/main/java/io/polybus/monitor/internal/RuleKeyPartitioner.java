package io.polybus.monitor.internal;

import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.processor.StreamPartitioner;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Where a record of the repartition topic goes: a (rule, group) key to the one partition {@link #partition} names
 * (Kafka's own choice for the key: the murmur2 hash of its bytes), so a task can tell the keys it owns before any of
 * their events came; a {@link EventRouter#CLOCK_MARK} to every partition, so every task's clock follows the latest
 * event time of the whole topic. Stateless.
 */
final class RuleKeyPartitioner implements StreamPartitioner<String, byte[]> {

    /** The partition of {@code key} among {@code partitions}. */
    static int partition(String key, int partitions) {
        return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    @Override
    public Optional<Set<Integer>> partitions(String topic, String key, byte[] value, int partitions) {
        if (EventRouter.CLOCK_MARK.equals(key)) {
            return Optional.of(IntStream.range(0, partitions).boxed().collect(Collectors.toSet()));
        }
        return Optional.of(Set.of(partition(key, partitions)));
    }
}
