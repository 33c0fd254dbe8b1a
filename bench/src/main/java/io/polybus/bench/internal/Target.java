package io.polybus.bench.internal;

import io.polybus.Config;
import io.polybus.spi.ProviderConfig;

import java.util.Set;

/**
 * One thing to benchmark: a broker type through one client.
 *
 * @param broker the broker type, as Polybus names it ({@code memory}, {@code kafka}, ...)
 * @param client {@link #POLYBUS} or {@link #RAW}
 */
public record Target(String broker, String client) {
    public static final String POLYBUS = "polybus";
    public static final String RAW = "raw";

    /** Broker types with a raw-client baseline. */
    public static final Set<String> RAW_BROKERS = RawBaseline.ALL.keySet();

    @Override
    public String toString() {
        return broker + "/" + client;
    }

    /**
     * Opens the driver for this target with the workload's settings for its broker.
     *
     * @throws Exception when the broker cannot be reached or the settings are wrong
     */
    public Driver open(Workload workload) throws Exception {
        ProviderConfig settings = workload.broker(broker);
        if (POLYBUS.equals(client)) {
            Config provider = settings.find(BrokerSettings.POLYBUS, Config.class).orElse(Config.empty());
            return new PolybusDriver(broker, provider, workload.messageIds(),
                    RAW_BROKERS.contains(broker) ? () -> raw(settings) : null);
        }
        return raw(settings);
    }

    private Driver raw(ProviderConfig settings) throws Exception {
        RawBaseline baseline = RawBaseline.ALL.get(broker);
        if (baseline == null) {
            throw new IllegalArgumentException("no raw baseline for broker " + broker + "; raw baselines exist for " + RAW_BROKERS);
        }
        return baseline.open().open(settings);
    }

}
