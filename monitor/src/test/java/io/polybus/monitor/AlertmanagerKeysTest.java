package io.polybus.monitor;

import io.polybus.ConfigException;
import io.polybus.events.ComponentContext;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The {@code alertmanager} notifier's keys: bad labels and credentials are named, never shown. */
class AlertmanagerKeysTest {
    private static final NotifierProvider PROVIDER = MonitorYaml.NOTIFIERS.get("alertmanager");

    private static ConfigException refusedAtCreate(Map<String, Object> keys) {
        return assertThrows(ConfigException.class, () -> PROVIDER.create(PROVIDER.configDef().parse(keys, "notifier"),
                new ComponentContext("alertmanager", null, null, Clock.systemUTC(), null)).close());
    }

    @Test
    void labelsMustBePrometheusLabelNamesOtherThanTheOnesEveryAlertSets() {
        ConfigException e = assertThrows(ConfigException.class, () -> MonitorYaml.parse("""
                monitor:
                  rules: [{name: a, type: absence, for: 1m}]
                  notifiers:
                    - {type: alertmanager, url: "http://127.0.0.1:9093", labels: {team-a: web, alertname: x, 1st: y, env: ""}}
                """));
        assertEquals(List.of("monitor.notifiers[0].labels.team-a (notifier 'alertmanager')",
                "monitor.notifiers[0].labels.alertname (notifier 'alertmanager')",
                "monitor.notifiers[0].labels.1st (notifier 'alertmanager')",
                "monitor.notifiers[0].labels.env (notifier 'alertmanager')"), e.problems().stream().map(ConfigException.Problem::key).toList());
        assertTrue(e.getMessage().contains("every alert sets alertname and severity itself"), e.getMessage());
    }

    @Test
    void credentialsMustComeWholeAndOneWayAndNeverInTheUrl() {
        ConfigException half = refusedAtCreate(Map.of("url", "http://127.0.0.1:9093", "username", "monitor"));
        assertEquals("notifier.password", half.problems().get(0).key());

        ConfigException both = refusedAtCreate(Map.of("url", "http://127.0.0.1:9093", "username", "monitor",
                "password", "hunter2", "bearer-token", "t0ken-hunter3"));
        assertEquals("notifier.bearer-token", both.problems().get(0).key());
        assertFalse(both.getMessage().contains("hunter"), both.getMessage());

        ConfigException inUrl = refusedAtCreate(Map.of("url", "http://monitor:hunter2@127.0.0.1:9093"));
        assertEquals("notifier.url", inUrl.problems().get(0).key());
        assertFalse(inUrl.getMessage().contains("hunter2"), inUrl.getMessage());
    }
}
