package io.polybus.monitor;

import io.polybus.Config;
import io.polybus.events.Components;

import java.util.Map;

/** Reads the {@code monitor:} section of a YAML document as the command line does: expand once, then parse. */
public final class MonitorYaml {
    /** Every notifier provider on the test class path: the built-ins and the test's own. */
    public static final Map<String, NotifierProvider> NOTIFIERS = Components.load(NotifierProvider.class);

    private MonitorYaml() {
    }

    /** @throws io.polybus.ConfigException naming every problem of the section */
    public static MonitorConfig parse(String yaml, Map<String, String> environment) {
        return MonitorConfig.parse(Config.readYaml(yaml, environment::get).get("monitor"), "monitor", NOTIFIERS);
    }

    public static MonitorConfig parse(String yaml) {
        return parse(yaml, Map.of());
    }
}
