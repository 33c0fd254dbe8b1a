package io.polybus.sinks.internal.opensearch;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.polybus.PolybusException;
import io.polybus.events.Sink;
import io.polybus.spi.Password;
import io.polybus.spi.TlsFailure;
import io.polybus.spi.TlsSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * Writes batches of events with one {@code _bulk} request each: NDJSON of {@code create} actions whose {@code _id} is
 * the event's identity, so a redelivered event finds its document there ({@code 409}, counted as stored) and the index
 * holds it once. The response is read item by item: a document the store refuses ({@code mapper_parsing_exception},
 * any 4xx but 429) is returned as a refusal with the store's reason; items rejected for load (429, 5xx), an answer of
 * 429 or 5xx, and a node that cannot be reached make the write throw, so the whole batch is tried again with backoff
 * (documents already created answer 409 then). A request too large for the node (413) is split in halves.
 *
 * <p>{@code _bulk} returns once every document is in the translog, which OpenSearch syncs before answering (its
 * default {@code index.translog.durability: request}): a written batch is durable. Called from one thread at a time.
 */
final class OpenSearchSink implements Sink {
    private static final Logger log = LoggerFactory.getLogger(OpenSearchSink.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonStringEncoder ENCODER = JsonStringEncoder.getInstance();
    private static final byte[] CREATE_INDEX = ascii("{\"create\":{\"_index\":\"");
    private static final byte[] ID = ascii("\",\"_id\":\"");
    private static final byte[] END_ACTION = ascii("\"}}\n");

    /** What the provider read from the configuration. */
    record Settings(String name, List<URI> urls, IndexName index, Documents documents, boolean gzip, String username,
                    Password password, String templateName, String templatePattern, int templatePriority, int shards,
                    Integer replicas, Duration connectTimeout, Duration requestTimeout, TlsSettings tls) {
    }

    private final Settings settings;
    private final HttpClient client;
    private final String authorization;
    private final Body body = new Body();
    private final Body compressed = new Body();
    private int node;
    private boolean templateInstalled;
    private String lastIndex;
    private byte[] lastIndexBytes;

    OpenSearchSink(Settings settings) {
        this.settings = settings;
        HttpClient.Builder builder = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(settings.connectTimeout());
        if (settings.tls().enabled()) {
            builder.sslContext(settings.tls().sslContext()).sslParameters(settings.tls().sslParameters());
        }
        this.client = builder.build();
        this.authorization = settings.username() == null ? null : "Basic " + Base64.getEncoder().encodeToString(
                (settings.username() + ":" + settings.password().value()).getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public List<Refusal> write(List<Record> records) throws IOException, InterruptedException {
        if (settings.templateName() != null && !templateInstalled) {
            installTemplate();
        }
        List<Refusal> refused = new ArrayList<>();
        bulk(records, refused);
        return refused;
    }

    private void bulk(List<Record> records, List<Refusal> refused) throws IOException, InterruptedException {
        body.reset();
        for (Record r : records) {
            body.write(CREATE_INDEX);
            body.write(indexBytes(settings.index().render(r.event())));
            body.write(ID);
            body.write(ENCODER.quoteAsUTF8(r.id()));
            body.write(END_ACTION);
            body.write(settings.documents().of(r));
            body.write('\n');
        }
        HttpResponse<byte[]> response = send("POST", "/_bulk", body, "application/x-ndjson");
        int status = response.statusCode();
        if (status == 200) {
            items(records, response.body(), refused);
        } else if (status == 413 && records.size() > 1) {
            int half = records.size() / 2;
            bulk(records.subList(0, half), refused);
            bulk(records.subList(half, records.size()), refused);
        } else if (status == 413) {
            refused.add(new Refusal(records.get(0), "413: the event is larger than the node takes (http.max_content_length)"));
        } else {
            throw new IOException(answer(status, response.body()) + hint(status));
        }
    }

    private byte[] indexBytes(String index) {
        if (!index.equals(lastIndex)) {
            lastIndex = index;
            lastIndexBytes = ENCODER.quoteAsUTF8(index);
        }
        return lastIndexBytes;
    }

    /** Reads the items of a bulk answer, in the order of the records; a quick look first, when none failed. */
    private void items(List<Record> records, byte[] answer, List<Refusal> refused) throws IOException {
        if (!hasErrors(answer)) {
            return;
        }
        JsonNode items = JSON.readTree(answer).path("items");
        if (items.size() != records.size()) {
            throw new IOException(node() + " answered " + items.size() + " items for " + records.size() + " documents");
        }
        int retriable = 0;
        String retriableReason = null;
        for (int i = 0; i < items.size(); i++) {
            JsonNode item = items.get(i).elements().next();
            int status = item.path("status").asInt();
            JsonNode error = item.path("error");
            if (status < 300 || (status == 409 && "version_conflict_engine_exception".equals(error.path("type").asText()))) {
                continue;
            }
            String reason = status + " " + reason(error) + " (index " + item.path("_index").asText() + ")";
            if (status == 429 || status >= 500) {
                retriable++;
                retriableReason = retriableReason == null ? reason : retriableReason;
            } else {
                refused.add(new Refusal(records.get(i), reason));
            }
        }
        if (retriable > 0) {
            throw new IOException(node() + " did not take " + retriable + " of " + records.size() + " documents for now, e.g. "
                    + retriableReason);
        }
    }

    /** The top-level {@code errors} flag, read without building the tree (it comes before the items). */
    private static boolean hasErrors(byte[] answer) throws IOException {
        try (JsonParser p = JSON.getFactory().createParser(answer)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException("a bulk answer that is not a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                if (field.equals("errors")) {
                    return value == JsonToken.VALUE_TRUE;
                }
                p.skipChildren();
            }
        }
        return true;
    }

    private static String reason(JsonNode error) {
        if (error.isTextual()) {
            return error.asText();
        }
        StringBuilder sb = new StringBuilder(error.path("type").asText("error")).append(": ").append(error.path("reason").asText());
        JsonNode cause = error.path("caused_by");
        if (cause.isObject()) {
            sb.append(" (caused by ").append(cause.path("type").asText()).append(": ").append(cause.path("reason").asText()).append(')');
        }
        return sb.toString();
    }

    private void installTemplate() throws IOException, InterruptedException {
        ObjectNode template = JSON.createObjectNode();
        template.putArray("index_patterns").add(settings.templatePattern());
        template.put("priority", settings.templatePriority());
        ObjectNode inner = template.putObject("template");
        ObjectNode index = inner.putObject("settings").putObject("index");
        index.put("number_of_shards", settings.shards());
        if (settings.replicas() != null) {
            index.put("number_of_replicas", settings.replicas());
        }
        inner.set("mappings", settings.documents().mappings());
        template.putObject("_meta").put("managed_by", "polybus").put("sink", settings.name());
        Body request = new Body();
        request.write(JSON.writeValueAsBytes(template));
        HttpResponse<byte[]> response = send("PUT", "/_index_template/" + settings.templateName(), request, "application/json");
        if (response.statusCode() != 200) {
            throw new IOException("installing index template '" + settings.templateName() + "': "
                    + answer(response.statusCode(), response.body()) + hint(response.statusCode()));
        }
        templateInstalled = true;
        log.info("sink '{}': index template '{}' for {} installed at {}", settings.name(), settings.templateName(),
                settings.templatePattern(), node());
    }

    /** Sends to the current node; a node that cannot be reached gives way to the next, each tried once. */
    private HttpResponse<byte[]> send(String method, String path, Body content, String type)
            throws IOException, InterruptedException {
        Body payload = content;
        if (settings.gzip()) {
            compressed.reset();
            try (GZIPOutputStream gzip = new FastGzip(compressed)) {
                content.writeTo(gzip);
            }
            payload = compressed;
        }
        IOException failure = null;
        for (int tried = 0; tried < settings.urls().size(); tried++) {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(node() + path))
                    .timeout(settings.requestTimeout())
                    .header("Content-Type", type)
                    .method(method, HttpRequest.BodyPublishers.ofByteArray(payload.array(), 0, payload.size()));
            if (settings.gzip()) {
                request.header("Content-Encoding", "gzip");
            }
            if (authorization != null) {
                request.header("Authorization", authorization);
            }
            try {
                return client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            } catch (ConnectException | HttpConnectTimeoutException e) {
                failure = new IOException("cannot reach " + node() + ": " + e, e);
            } catch (IOException e) {
                failure = tlsFailure(e).orElseGet(() -> new IOException(node() + " did not answer " + method + " " + path
                        + ": " + e, e));
            }
            node = (node + 1) % settings.urls().size();
            if (!(failure.getCause() instanceof ConnectException || failure.getCause() instanceof HttpConnectTimeoutException)) {
                break;
            }
        }
        throw failure;
    }

    /**
     * What TLS says of a failed request, in one line naming the node and the cause: the handshake's verdict (a CA,
     * a host name, a client certificate), or, with {@code http://}, a node that speaks only TLS on its port (which
     * closes a plaintext request without a word).
     */
    private Optional<IOException> tlsFailure(IOException e) {
        URI uri = settings.urls().get(node);
        int port = uri.getPort() >= 0 ? uri.getPort() : settings.tls().enabled() ? 443 : 80;
        Optional<PolybusException> tls = TlsFailure.explain(e, settings.tls(), "OpenSearch", uri.getHost() + ":" + port);
        if (tls.isEmpty() && !settings.tls().enabled()) {
            tls = TlsFailure.diagnose(settings.tls(), "OpenSearch", uri.getHost(), port, settings.connectTimeout());
        }
        return tls.map(p -> new IOException(p.getMessage(), e));
    }

    private String node() {
        return settings.urls().get(node).toString();
    }

    private String answer(int status, byte[] answer) {
        String text = new String(answer, StandardCharsets.UTF_8);
        return node() + " answered " + status + ": " + (text.length() > 500 ? text.substring(0, 500) + "..." : text);
    }

    private static String hint(int status) {
        return status == 401 || status == 403 ? " (check username and password, and the user's rights)" : "";
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** A growable body whose bytes are sent without a copy. */
    private static final class Body extends ByteArrayOutputStream {
        Body() {
            super(1 << 16);
        }

        byte[] array() {
            return buf;
        }

        @Override
        public void write(byte[] b) {
            write(b, 0, b.length);
        }
    }

    /** gzip at the fastest level: request bodies are compressed on the hot path. */
    private static final class FastGzip extends GZIPOutputStream {
        FastGzip(ByteArrayOutputStream out) throws IOException {
            super(out, 1 << 16);
            def.setLevel(Deflater.BEST_SPEED);
        }
    }
}
