package io.polybus.agent.internal.processors;

import io.polybus.ConfigException;
import io.polybus.events.ComponentContext;
import io.polybus.events.Condition;
import io.polybus.events.Processor;
import io.polybus.events.ProcessorProvider;
import io.polybus.events.Template;
import io.polybus.spi.ConfigDef;
import io.polybus.spi.ProviderConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code route}: sends an event to the topic of the first route whose condition it meets (the one condition
 * language); an event meeting none goes to {@code default}, or to its source's {@code topic}. The topic is a
 * template over the event, as the source's is.
 */
public final class RouteProcessorProvider implements ProcessorProvider {
    private static final ConfigDef KEYS = ConfigDef.builder("processor", "route")
            .defineParsed("routes", "a list of routes", RouteProcessorProvider::parseRoutes,
                    "Each `{when: <condition>, topic: <template>}`; the first whose condition holds decides, e.g. `[{when: {field: status, gte: 500}, topic: nginx-errors}]`.")
            .defineParsed("default", "a template", RouteProcessorProvider::template,
                    "The topic of an event no route takes; by default its source's `topic`.")
            .required("routes")
            .build();

    record Route(Condition when, Template topic) {
    }

    @Override
    public String type() {
        return "route";
    }

    @Override
    public String description() {
        return "Sends each event to the topic of the first route whose condition it meets (else `default`, else its source's topic).";
    }

    @Override
    public ConfigDef configDef() {
        return KEYS;
    }

    @Override
    public Processor create(ProviderConfig config, ComponentContext context) {
        @SuppressWarnings("unchecked")
        List<Route> routes = config.get("routes", List.class);
        Template fallback = config.find("default", Template.class).orElse(null);
        return (event, chain) -> {
            Template chosen = fallback;
            for (Route r : routes) {
                if (r.when().test(event)) {
                    chosen = r.topic();
                    break;
                }
            }
            if (chosen != null) {
                event.topic(chosen.render(event));
            }
            chain.proceed(event);
        };
    }

    private static List<Route> parseRoutes(Object raw, String path) {
        if (!(raw instanceof List<?> list) || list.isEmpty()) {
            throw new IllegalArgumentException("expected a non-empty list of {when: <condition>, topic: <template>}");
        }
        List<ConfigException.Problem> problems = new ArrayList<>();
        List<Route> routes = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            String at = path + "[" + i + "]";
            if (!(list.get(i) instanceof Map<?, ?> m)) {
                problems.add(new ConfigException.Problem(at, null, "expected {when: <condition>, topic: <template>}"));
                continue;
            }
            for (Object k : m.keySet()) {
                if (!k.equals("when") && !k.equals("topic")) {
                    problems.add(new ConfigException.Problem(at + "." + k, null, "unknown key in a route; expected when and topic"));
                }
            }
            Condition when = null;
            Template topic = null;
            if (m.get("when") == null) {
                problems.add(new ConfigException.Problem(at + ".when", null, "required: " + Condition.ACCEPTED));
            } else {
                try {
                    when = Condition.parse(m.get("when"), at + ".when");
                } catch (ConfigException e) {
                    problems.addAll(e.problems());
                }
            }
            if (m.get("topic") == null) {
                problems.add(new ConfigException.Problem(at + ".topic", null, "required: a topic or a template such as errors-{service}"));
            } else {
                try {
                    topic = template(m.get("topic"), at + ".topic");
                } catch (IllegalArgumentException e) {
                    problems.add(new ConfigException.Problem(at + ".topic", String.valueOf(m.get("topic")), e.getMessage()));
                }
            }
            if (when != null && topic != null) {
                routes.add(new Route(when, topic));
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return List.copyOf(routes);
    }

    private static Template template(Object raw, String path) {
        if (raw instanceof Map<?, ?> || raw instanceof List<?> || String.valueOf(raw).isBlank()) {
            throw new IllegalArgumentException("expected a topic or a template such as errors-{service}");
        }
        return Template.parse(String.valueOf(raw));
    }
}
