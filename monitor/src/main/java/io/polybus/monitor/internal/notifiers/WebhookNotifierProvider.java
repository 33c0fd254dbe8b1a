package io.polybus.monitor.internal.notifiers;

import io.polybus.ConfigException;
import io.polybus.events.ComponentContext;
import io.polybus.monitor.Notifier;
import io.polybus.monitor.NotifierProvider;
import io.polybus.spi.ConfigDef;
import io.polybus.spi.ProviderConfig;

import java.net.URI;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code type: webhook}: POSTs each notice as JSON, over TLS for an {@code https} URL. Webhook URLs and header values
 * often carry tokens: the problems this reports never show them.
 */
public final class WebhookNotifierProvider implements NotifierProvider {
    private static final String HEADERS_ACCEPTED = "a mapping of header names to values (the values are not shown: they may hold secrets)";
    private static final ConfigDef KEYS = ConfigDef.builder("notifier", "webhook")
            .defineParsed("url", "an http or https URL", HttpPoster::url,
                    "Where notices are POSTed as JSON (`Content-Type: application/json`). Never logged.")
            .required("url")
            .defineParsed("headers", "a mapping", WebhookNotifierProvider::headers,
                    "Headers sent with every request, as given (e.g. `Authorization`). Values are never logged.")
            .include(HttpPoster::define)
            .build();

    @Override
    public String type() {
        return "webhook";
    }

    @Override
    public String description() {
        return "POSTs each alert notice as JSON to a URL, retrying with backoff.";
    }

    @Override
    public ConfigDef configDef() {
        return KEYS;
    }

    @Override
    public Notifier create(ProviderConfig config, ComponentContext context) {
        @SuppressWarnings("unchecked")
        Map<String, String> headers = config.find("headers", Map.class).orElse(Map.of());
        return new WebhookNotifier(new HttpPoster(context.name(),
                new HttpPoster.Target("webhook", config.get("url", URI.class), headers, false), config));
    }

    private static Map<String, String> headers(Object raw, String path) {
        if (!(raw instanceof Map<?, ?> map)) {
            throw new ConfigException(path, null, "expected " + HEADERS_ACCEPTED);
        }
        Map<String, String> headers = new LinkedHashMap<>();
        List<ConfigException.Problem> problems = new ArrayList<>();
        map.forEach((name, value) -> {
            if (value == null || value instanceof Map<?, ?> || value instanceof List<?>) {
                problems.add(new ConfigException.Problem(path + "." + name, null, "expected a single value"));
            } else {
                headers.put(String.valueOf(name), String.valueOf(value));
            }
        });
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return Collections.unmodifiableMap(headers);
    }
}
