package io.polybus.monitor.internal.notifiers;

import io.polybus.ConfigException;
import io.polybus.events.ComponentContext;
import io.polybus.monitor.Notifier;
import io.polybus.monitor.NotifierProvider;
import io.polybus.spi.ConfigDef;
import io.polybus.spi.Password;
import io.polybus.spi.ProviderConfig;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code type: alertmanager}: posts alerts to Prometheus Alertmanager ({@code /api/v2/alerts}), which groups,
 * silences, inhibits and routes them. Credentials ({@code password}, {@code bearer-token}) are never shown.
 */
public final class AlertmanagerNotifierProvider implements NotifierProvider {
    private static final String API = "/api/v2/alerts";
    private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
    private static final Set<String> OWN_LABELS = Set.of("alertname", "severity");
    private static final ConfigDef KEYS = ConfigDef.builder("notifier", "alertmanager")
            .defineParsed("url", "an http or https URL", HttpPoster::url,
                    "The Alertmanager, e.g. `http://127.0.0.1:9093` (with its `--web.route-prefix`, if any); alerts"
                            + " are POSTed to `<url>" + API + "`. Only its scheme, host and port are ever logged.")
            .required("url")
            .defineParsed("labels", "a mapping of label names to values", AlertmanagerNotifierProvider::labels,
                    "Labels added to every alert, e.g. `{team: web}`, besides `alertname` (the rule), `severity` and"
                            + " the `group-by` field (dots as `_`: `fields.status` → `fields_status`) with its value.")
            .define("resend-every", ConfigDef.Type.DURATION, "1m", ConfigDef.atLeast(Duration.ofSeconds(1)),
                    "How often firing alerts are posted again. Each post sets `endsAt` " + AlertmanagerNotifier.VALID_FOR_RESENDS
                            + " × this ahead: Alertmanager keeps the alert firing while the monitor runs, and resolves"
                            + " it by itself that long after the monitor stopped.")
            .define("username", ConfigDef.Type.STRING, null, "User for HTTP basic authentication (with `password`).")
            .define("password", ConfigDef.Type.PASSWORD, null,
                    "Password for HTTP basic authentication; never logged. Use `${NAME}` or `${file:/path}`.")
            .define("bearer-token", ConfigDef.Type.PASSWORD, null,
                    "Sent as `Authorization: Bearer <token>`, instead of `username` and `password`; never logged."
                            + " Use `${NAME}` or `${file:/path}`.")
            .include(HttpPoster::define)
            .build();

    @Override
    public String type() {
        return "alertmanager";
    }

    @Override
    public String description() {
        return "Posts alerts to Prometheus Alertmanager, again while they fire, and their end when they resolve.";
    }

    @Override
    public ConfigDef configDef() {
        return KEYS;
    }

    @Override
    public Notifier create(ProviderConfig config, ComponentContext context) {
        URI base = config.get("url", URI.class);
        if (base.getUserInfo() != null) {
            throw new ConfigException(config.pathOf("url"), null,
                    "a URL without user:password (not shown); use username and password, or bearer-token");
        }
        @SuppressWarnings("unchecked")
        Map<String, String> labels = config.find("labels", Map.class).orElse(Map.of());
        HttpPoster poster = new HttpPoster(context.name(),
                new HttpPoster.Target("Alertmanager", api(base), authorization(config), true), config);
        return new AlertmanagerNotifier(context.name(), poster, labels, config.getDuration("resend-every"), context.clock());
    }

    private static URI api(URI base) {
        String path = base.getPath() == null ? "" : base.getPath().replaceAll("/+$", "");
        if (!path.endsWith(API)) {
            path += API;
        }
        return base.resolve(path);
    }

    private static Map<String, String> authorization(ProviderConfig config) {
        Optional<String> user = config.findString("username");
        Optional<Password> password = config.findPassword("password");
        Optional<Password> token = config.findPassword("bearer-token");
        if (user.isPresent() != password.isPresent()) {
            throw new ConfigException(config.pathOf(user.isPresent() ? "password" : "username"), null,
                    "missing: username and password go together");
        }
        if (token.isPresent() && user.isPresent()) {
            throw new ConfigException(config.pathOf("bearer-token"), null,
                    "either bearer-token or username and password, not both");
        }
        if (token.isPresent()) {
            return Map.of("Authorization", "Bearer " + token.get().value());
        }
        if (user.isPresent()) {
            return Map.of("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                    (user.get() + ":" + password.get().value()).getBytes(StandardCharsets.UTF_8)));
        }
        return Map.of();
    }

    private static Map<String, String> labels(Object raw, String path) {
        if (!(raw instanceof Map<?, ?> map)) {
            throw new ConfigException(path, null, "expected a mapping of label names to values, e.g. {team: web}");
        }
        Map<String, String> labels = new LinkedHashMap<>();
        List<ConfigException.Problem> problems = new ArrayList<>();
        map.forEach((key, value) -> {
            String name = String.valueOf(key);
            if (!LABEL_NAME.matcher(name).matches()) {
                problems.add(new ConfigException.Problem(path + "." + name, null,
                        "a label name of letters, digits and _, not starting with a digit"));
            } else if (OWN_LABELS.contains(name)) {
                problems.add(new ConfigException.Problem(path + "." + name, null,
                        "another label name: every alert sets alertname and severity itself"));
            } else if (value == null || value instanceof Map<?, ?> || value instanceof List<?> || String.valueOf(value).isEmpty()) {
                problems.add(new ConfigException.Problem(path + "." + name, null, "a single non-empty value"));
            } else {
                labels.put(name, String.valueOf(value));
            }
        });
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return Collections.unmodifiableMap(labels);
    }
}
