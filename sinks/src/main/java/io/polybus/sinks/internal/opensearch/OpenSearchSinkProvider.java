package io.polybus.sinks.internal.opensearch;

import io.polybus.ConfigException;
import io.polybus.events.ComponentContext;
import io.polybus.events.Sink;
import io.polybus.events.SinkProvider;
import io.polybus.spi.ConfigDef;
import io.polybus.spi.ConfigDef.Type;
import io.polybus.spi.ProviderConfig;
import io.polybus.spi.TlsSettings;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The {@code opensearch} sink: events into OpenSearch (or Elasticsearch) with {@code _bulk}. */
public final class OpenSearchSinkProvider implements SinkProvider {
    static final String URLS = "urls";
    static final String INDEX = "index";

    private static final ConfigDef KEYS = ConfigDef.builder("sink", "opensearch")
            .define(URLS, Type.LIST, "http://localhost:9200", OpenSearchSinkProvider::checkUrls,
                    "The nodes' HTTP addresses (`http://` or `https://`, same scheme for all); a node that cannot be"
                            + " reached makes the sink move on to the next.")
            .define(INDEX, Type.STRING, "polybus-{yyyy.MM.dd}", OpenSearchSinkProvider::checkIndex,
                    "The index of each event: a template over its fields (`{service}`, `{host}`) and its timestamp"
                            + " in UTC (`{yyyy.MM.dd}`: any reference made of the letters y M d H m s); lower-cased.")
            .define("ecs", Type.BOOLEAN, "false",
                    "Store the event's fields under their Elastic Common Schema names (`@timestamp`, `host.name`,"
                            + " `log.file.path`, `log.offset`, ...).")
            .define("compression", Type.STRING, "none", ConfigDef.oneOf("none", "gzip"),
                    "Compress request bodies: `none` or `gzip`.")
            .define("username", Type.STRING, null, "User for HTTP basic authentication (with `password`).")
            .define("password", Type.PASSWORD, null, "Password for HTTP basic authentication; never logged.")
            .define("manage-template", Type.BOOLEAN, "true",
                    "Install an index template for the indices of `index` before the first write (`timestamp` as"
                            + " `date`, `message` as `text`, `fields.*` mapped dynamically).")
            .define("template-name", Type.STRING, null, "The index template's name (default: `polybus-<sink name>`).")
            .define("template-priority", Type.INT, "200", ConfigDef.atLeast(0),
                    "The template's priority; above Elasticsearch's built-in `logs-*-*` (100), so indices stay"
                            + " indices rather than data streams.")
            .define("shards", Type.INT, "1", ConfigDef.between(1, 1024), "Primary shards of each new index.")
            .define("replicas", Type.INT, null, ConfigDef.between(0, 64),
                    "Replicas of each new index (default: the cluster's).")
            .define("connect-timeout", Type.DURATION, "10s", ConfigDef.atLeast(Duration.ofMillis(1)),
                    "How long to wait for a connection to a node.")
            .define("request-timeout", Type.DURATION, "60s", ConfigDef.atLeast(Duration.ofMillis(1)),
                    "How long one `_bulk` request may take; a request that times out is tried again.")
            .include(TlsSettings::defineStores)
            .build();

    @Override
    public String type() {
        return "opensearch";
    }

    @Override
    public String description() {
        return "Writes events to OpenSearch or Elasticsearch with _bulk, each under its idempotent id.";
    }

    @Override
    public ConfigDef configDef() {
        return KEYS;
    }

    @Override
    public Sink create(ProviderConfig config, ComponentContext context) {
        List<URI> urls = urls(config);
        boolean https = urls.get(0).getScheme().equals("https");
        TlsSettings tls = TlsSettings.from(config, https, "an `https://` address in `urls`");
        if (https && !tls.verifyHostname()) {
            throw new ConfigException(config.pathOf(TlsSettings.VERIFY_HOSTNAME), "false",
                    "true: Java's HTTP client always checks that the node's certificate names its host");
        }
        if (config.has("username") != config.has("password")) {
            throw new ConfigException(config.pathOf(config.has("username") ? "password" : "username"), null,
                    "missing: username and password go together");
        }
        String index = config.getString(INDEX);
        IndexName indexName = new IndexName(index, context.clock());
        boolean manage = config.getBoolean("manage-template");
        String pattern = IndexName.pattern(index);
        if (manage && pattern.startsWith("*")) {
            throw new ConfigException(config.pathOf(INDEX), index, "a name that starts with fixed text (logs-{service})"
                    + " while manage-template is true, so that its index template does not apply to every index");
        }
        OpenSearchSink.Settings settings = new OpenSearchSink.Settings(context.name(), urls, indexName,
                new Documents(config.getBoolean("ecs")), config.getString("compression").equalsIgnoreCase("gzip"),
                config.findString("username").orElse(null), config.findPassword("password").orElse(null),
                manage ? config.findString("template-name").orElse("polybus-" + context.name()) : null, pattern,
                config.getInt("template-priority"), config.getInt("shards"),
                config.has("replicas") ? config.getInt("replicas") : null, config.getDuration("connect-timeout"),
                config.getDuration("request-timeout"), tls);
        return new OpenSearchSink(settings);
    }

    /** What {@code urls} accepts, checked by {@code validate} too; user:password in one is refused at create. */
    private static String checkUrls(Object value) {
        String accepted = "http:// or https:// addresses such as http://localhost:9200, all with the same scheme";
        List<?> given = (List<?>) value;
        if (given.stream().map(t -> uri(String.valueOf(t))).anyMatch(u -> u != null && u.getUserInfo() != null)) {
            return null; // refused at create, where the value is not shown: it holds a password
        }
        String scheme = null;
        for (Object text : given) {
            URI uri = uri(String.valueOf(text));
            if (uri == null || uri.getScheme() == null || !uri.getScheme().matches("https?") || uri.getHost() == null
                    || (scheme != null && !scheme.equals(uri.getScheme()))) {
                return accepted;
            }
            scheme = uri.getScheme();
        }
        return given.isEmpty() ? accepted : null;
    }

    private static String checkIndex(Object value) {
        try {
            new IndexName(String.valueOf(value), Clock.systemUTC());
            return null;
        } catch (IllegalArgumentException e) {
            return "a template such as logs-{service}-{yyyy.MM.dd} (" + e.getMessage() + ")";
        }
    }

    private static URI uri(String text) {
        try {
            return new URI(text.trim().replaceAll("/+$", ""));
        } catch (URISyntaxException e) {
            return null;
        }
    }

    private static List<URI> urls(ProviderConfig config) {
        List<URI> urls = new ArrayList<>();
        for (String text : config.getList(URLS)) {
            URI uri = uri(text);
            if (uri.getUserInfo() != null) {
                throw new ConfigException(config.pathOf(URLS), "[hidden]", "addresses without user:password; use username and password");
            }
            urls.add(uri);
        }
        return List.copyOf(urls);
    }
}
