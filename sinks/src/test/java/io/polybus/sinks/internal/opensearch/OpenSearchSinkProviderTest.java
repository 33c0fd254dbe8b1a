package io.polybus.sinks.internal.opensearch;

import io.polybus.Config;
import io.polybus.ConfigException;
import io.polybus.events.Components;
import io.polybus.events.SinkProvider;
import io.polybus.sinks.SinksConfig;
import io.polybus.events.ComponentContext;
import io.polybus.events.JsonEvent;
import io.polybus.spi.ProviderConfig;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The opensearch sink's keys: what a wrong configuration is told, and how index names are made. */
class OpenSearchSinkProviderTest {
    private final OpenSearchSinkProvider provider = new OpenSearchSinkProvider();
    private final ComponentContext context = new ComponentContext("store", "h", null, Clock.systemUTC(), null);

    private ConfigException refused(Object... keysAndValues) {
        Map<String, Object> tree = new HashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            tree.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return assertThrows(ConfigException.class, () -> {
            ProviderConfig config = provider.configDef().parse(tree, "sinks.outputs[0]");
            provider.create(config, context);
        });
    }

    @Test
    void aWrongConfigurationNamesTheKeyAndNeverShowsAPassword() {
        assertTrue(refused("urls", "localhost:9200").getMessage().contains("sinks.outputs[0].urls"));
        ConfigException userInfo = refused("urls", "http://elastic:s3cret@localhost:9200");
        assertFalse(userInfo.getMessage().contains("s3cret"), userInfo.getMessage());
        ConfigException alone = refused("password", "s3cret");
        assertTrue(alone.getMessage().contains("sinks.outputs[0].username"), alone.getMessage());
        assertFalse(alone.getMessage().contains("s3cret"), alone.getMessage());
        assertTrue(refused("urls", "http://a:9200,https://b:9200").getMessage().contains("http://"));
        assertTrue(refused("tls.ca-file", "/etc/ca.pem").getMessage().contains("https://"));
        assertTrue(refused("index", "{service}-{yyyy.MM.dd}").getMessage().contains("fixed text"));
        assertTrue(refused("index", "logs-{service").getMessage().contains("sinks.outputs[0].index"));
        assertTrue(refused("compression", "zstd").getMessage().contains("gzip"));
    }

    @Test
    void indexNamesComeFromTheEventsFieldsAndTimeLowerCasedAndCleaned() {
        IndexName name = new IndexName("Logs-{service}-{yyyy.MM.dd}", Clock.fixed(Instant.parse("2030-01-02T00:00:00Z"), ZoneOffset.UTC));
        assertEquals("logs-web_shop-2026.12.06", name.render(event("{\"timestamp\":\"2026-12-06T23:59:59.999Z\",\"fields\":{\"service\":\"Web Shop\"}}")));
        assertEquals("logs-unknown-2026.12.07", name.render(event("{\"timestamp\":\"2026-12-07T00:00:00Z\"}")));
        assertEquals("logs-api-2030.01.02", name.render(event("{\"timestamp\":\"yesterday\",\"fields\":{\"service\":\"api\"}}")),
                "an event without a readable timestamp goes to the index of now");
        assertEquals("logs-*-*", IndexName.pattern("Logs-{service}-{yyyy.MM.dd}"));
        assertEquals("h-web-1-12", new IndexName("h-{host}-{HH}", Clock.systemUTC())
                .render(event("{\"timestamp\":\"2026-12-06T12:00:00Z\",\"host\":\"web-1\"}")));
    }

    @Test
    void theExampleInTheDocsIsAValidSinksSection() throws Exception {
        String doc = Files.readString(Path.of("..", "docs", "sinks.md"));
        String part = doc.substring(doc.indexOf("## `opensearch`"));
        String yaml = part.substring(part.indexOf("```yaml\n") + 8, part.indexOf("```\n", part.indexOf("```yaml\n") + 8));
        Map<String, Object> file = Config.readYaml(yaml, Map.of("OPENSEARCH_PASSWORD", "pw")::get);
        SinksConfig config = SinksConfig.parse(file.get("sinks"), "sinks", Components.load(SinkProvider.class));
        assertEquals("opensearch", config.outputs().get(0).type());
    }

    private static JsonEvent event(String json) {
        return JsonEvent.parse(json.getBytes(StandardCharsets.UTF_8));
    }
}
