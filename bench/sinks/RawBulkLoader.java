import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

/**
 * The raw baseline of bench/sinks/opensearch.sh: the same log lines as documents of the agent's event shape, with the
 * same ids ({@code <file_id>@<offset>}), sent with plain {@code _bulk} over HTTP (Java's client), one request at a
 * time of BATCH {@code create} actions, into INDEX. No broker, no parsing of the response beyond its status: what an
 * ideal loader of the same documents costs. Not part of the build.
 *
 * <pre>java RawBulkLoader URL INDEX BATCH LOG_FILE FILE_ID TEMPLATE</pre>
 *
 * TEMPLATE names the index template the sink installed: it is copied for INDEX first, so that both write into the
 * same mappings and settings.
 */
public final class RawBulkLoader {
    public static void main(String[] args) throws Exception {
        String url = args[0];
        String index = args[1];
        int batch = Integer.parseInt(args[2]);
        Path file = Path.of(args[3]);
        String fileId = args[4];
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        copyTemplate(http, url, args[5], index);
        ByteArrayOutputStream body = new ByteArrayOutputStream(1 << 20);
        String timestamp = Instant.now().toString();
        String source = ",\"source\":{\"type\":\"file\",\"name\":\"bench\",\"path\":\"" + file.toAbsolutePath()
                + "\",\"file_id\":\"" + fileId + "\",\"offset\":";
        long offset = 0;
        long docs = 0;
        int inBatch = 0;
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            while ((line = in.readLine()) != null) {
                String escaped = line.replace("\\", "\\\\").replace("\"", "\\\"");
                body.writeBytes(("{\"create\":{\"_index\":\"" + index + "\",\"_id\":\"" + fileId + "@" + offset + "\"}}\n"
                        + "{\"timestamp\":\"" + timestamp + "\",\"host\":\"bench\",\"message\":\"" + escaped + "\"" + source
                        + offset + "}}\n").getBytes(StandardCharsets.UTF_8));
                offset += line.getBytes(StandardCharsets.UTF_8).length + 1;
                docs++;
                if (++inBatch == batch) {
                    post(http, url, body);
                    inBatch = 0;
                }
            }
        }
        if (inBatch > 0) {
            post(http, url, body);
        }
        System.err.println("raw loader: " + docs + " documents sent");
    }

    /** PUT _index_template/&lt;index&gt;: the body of TEMPLATE with INDEX as its only pattern. */
    private static void copyTemplate(HttpClient http, String url, String template, String index) throws Exception {
        String answer = http.send(HttpRequest.newBuilder(URI.create(url + "/_index_template/" + template)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        int at = answer.indexOf("\"index_template\":");
        if (at < 0) {
            throw new IllegalStateException("no index template " + template + ": " + answer);
        }
        String body = answer.substring(at + "\"index_template\":".length(), answer.length() - "}]}".length())
                .replaceFirst("\"index_patterns\":\\[[^]]*]", "\"index_patterns\":[\"" + index + "\"]");
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url + "/_index_template/" + index))
                .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("copying the template answered " + r.statusCode() + ": " + r.body());
        }
    }

    private static void post(HttpClient http, String url, ByteArrayOutputStream body) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url + "/_bulk"))
                .header("Content-Type", "application/x-ndjson")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200 || r.body().contains("\"errors\":true")) {
            throw new IllegalStateException("_bulk answered " + r.statusCode() + ": "
                    + r.body().substring(0, Math.min(500, r.body().length())));
        }
        body.reset();
    }
}
