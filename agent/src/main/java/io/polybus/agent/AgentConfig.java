package io.polybus.agent;

import io.polybus.Config;
import io.polybus.ConfigException;
import io.polybus.agent.internal.AgentPlugins;
import io.polybus.agent.internal.AgentSettings;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The agent's configuration, read and checked: the {@code agent}, {@code delivery}, {@code sources} and
 * {@code broker} sections of a file ({@link #SECTIONS}); other sections (a {@code monitor:}, {@code sinks:}) are
 * left to whoever runs them beside the agent. Every problem is reported at once, each with its path
 * ({@code sources[1].multiline.start}); sources and processors are found by their {@code type} among the
 * providers on the class path. Immutable.
 */
public final class AgentConfig {
    /** The top-level keys the agent reads. */
    public static final List<String> SECTIONS = AgentSettings.SECTIONS;

    /**
     * One configured source, for people.
     *
     * @param name  its name
     * @param type  its type
     * @param topic the topic (or topic template) its events go to
     */
    public record SourceSummary(String name, String type, String topic) {
    }

    private final AgentSettings settings;

    private AgentConfig(AgentSettings settings) {
        this.settings = settings;
    }

    /**
     * Reads the agent's sections of a document read with {@link Config#readYaml} (placeholders expanded).
     *
     * @param environment   for the defaults that come from it ({@code agent.host}: {@code $HOSTNAME})
     * @param otherSections top-level keys others read (a {@code monitor:} beside the agent); any other key is
     *                      reported as unknown
     * @throws ConfigException listing every problem
     */
    public static AgentConfig parse(Map<String, Object> document, Function<String, String> environment,
                                    Set<String> otherSections) {
        AgentPlugins plugins = AgentPlugins.load();
        return new AgentConfig(AgentSettings.parse(document, plugins.sources(), plugins.processors(), environment,
                otherSections));
    }

    /** Reads YAML text with the agent's sections only, expanding {@code ${...}} with {@code environment}. */
    public static AgentConfig fromYaml(String yaml, Function<String, String> environment) {
        List<ConfigException.Problem> problems = new ArrayList<>();
        Map<String, Object> document = Config.readYaml(yaml, environment, problems);
        try {
            AgentConfig config = parse(document, environment, Set.of());
            if (problems.isEmpty()) {
                return config;
            }
        } catch (ConfigException e) {
            problems.addAll(e.problems());
        }
        throw new ConfigException(problems);
    }

    /**
     * Reads a file with the process environment.
     *
     * @throws ConfigException naming the file when it cannot be read, and every problem of its content
     */
    public static AgentConfig load(Path file) {
        return fromYaml(Config.readFile(file), System::getenv);
    }

    /** The broker section, {@code type} defaulting to {@code memory}. */
    public Config broker() {
        return settings.broker();
    }

    /** The events' {@code host}. */
    public String host() {
        return settings.host();
    }

    /** The sources, in order. */
    public List<SourceSummary> sources() {
        return settings.sources().stream().map(s -> new SourceSummary(s.name(), s.type(), s.topic().toString())).toList();
    }

    AgentSettings settings() {
        return settings;
    }
}
