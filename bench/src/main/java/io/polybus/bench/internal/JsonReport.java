package io.polybus.bench.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.DataFormatException;

/**
 * Writes a {@link Report} as JSON (schema {@value Report#SCHEMA}) and reads it back. Each latency histogram
 * is kept whole, in HdrHistogram's compressed encoding (base64, microseconds), next to its percentiles, so
 * any percentile can be recomputed later and runs can be merged or compared; the end-to-end histograms are
 * null when they were not measured (separate phases). {@code comparisons} holds, per broker and rate, the
 * Polybus ÷ raw ratio of each round and their median (derived from the runs, so not read back).
 */
public final class JsonReport {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final String[] HISTOGRAMS = {"publishIntended", "publishActual", "e2eIntended", "e2eActual"};

    private JsonReport() {
    }

    public static void write(Report report, Path file) throws IOException {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("schema", report.schema());
        root.put("started", report.started());
        root.put("command", report.command());
        root.put("workload", report.workload());
        root.put("environment", report.environment());
        List<Object> runs = new ArrayList<>();
        for (RunResult r : report.runs()) {
            Map<String, Object> run = new LinkedHashMap<>();
            run.put("broker", r.broker());
            run.put("client", r.client());
            run.put("targetRate", r.targetRate());
            run.put("round", r.round());
            run.put("phases", r.phases().name().toLowerCase(Locale.ROOT));
            run.put("status", r.status().name());
            run.put("error", r.error());
            run.put("measuredSeconds", r.measuredSeconds());
            run.put("sent", r.sent());
            run.put("sendErrors", r.sendErrors());
            run.put("received", r.received());
            run.put("publishRate", r.publishRate());
            run.put("publishMBps", r.publishMBps());
            run.put("consumeRate", r.consumeRate());
            run.put("lost", r.lost());
            run.put("duplicated", r.duplicated());
            run.put("reordered", r.reordered());
            Map<String, Object> latency = new LinkedHashMap<>();
            latency.put(HISTOGRAMS[0], histogram(r.publishIntended()));
            latency.put(HISTOGRAMS[1], histogram(r.publishActual()));
            latency.put(HISTOGRAMS[2], r.endToEndMeasured() ? histogram(r.e2eIntended()) : null);
            latency.put(HISTOGRAMS[3], r.endToEndMeasured() ? histogram(r.e2eActual()) : null);
            run.put("latencyMicros", latency);
            run.put("timeline", r.timeline());
            run.put("provenance", r.provenance());
            runs.add(run);
        }
        root.put("runs", runs);
        root.put("comparisons", report.comparisons().stream().map(JsonReport::comparison).toList());
        root.put("notes", report.notes());
        JSON.writeValue(file.toFile(), root);
    }

    private static Map<String, Object> comparison(Report.Comparison c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("broker", c.broker());
        m.put("targetRate", c.targetRate());
        m.put("phases", c.phases().name().toLowerCase(Locale.ROOT));
        m.put("rounds", c.rounds());
        m.put("publishRatio", ratios(c.publish()));
        if (!c.consume().isEmpty()) {
            m.put("consumeRatio", ratios(c.consume()));
        }
        return m;
    }

    private static Map<String, Object> ratios(List<Double> ratios) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("median", Report.Comparison.median(ratios));
        m.put("min", Collections.min(ratios));
        m.put("max", Collections.max(ratios));
        m.put("ratios", ratios);
        return m;
    }

    private static Map<String, Object> histogram(Histogram h) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("count", h.getTotalCount());
        m.put("p50", h.getValueAtPercentile(50));
        m.put("p99", h.getValueAtPercentile(99));
        m.put("p99.9", h.getValueAtPercentile(99.9));
        m.put("max", h.getMaxValue());
        m.put("mean", h.getMean());
        ByteBuffer buffer = ByteBuffer.allocate(h.getNeededByteBufferCapacity());
        int length = h.encodeIntoCompressedByteBuffer(buffer);
        m.put("hdrHistogram", Base64.getEncoder().encodeToString(Arrays.copyOf(buffer.array(), length)));
        return m;
    }

    /**
     * Reads a report written by {@link #write}, histograms decoded.
     *
     * @throws IOException when the file is not such a report (wrong schema, missing fields, bad histogram)
     */
    public static Report read(Path file) throws IOException {
        JsonNode root = JSON.readTree(file.toFile());
        String schema = root.path("schema").asText();
        if (!Report.SCHEMA.equals(schema)) {
            throw new IOException(file + ": schema is '" + schema + "', expected " + Report.SCHEMA);
        }
        List<RunResult> runs = new ArrayList<>();
        for (JsonNode run : root.path("runs")) {
            JsonNode lat = run.path("latencyMicros");
            Histogram[] hs = new Histogram[HISTOGRAMS.length];
            for (int i = 0; i < hs.length; i++) {
                JsonNode h = lat.path(HISTOGRAMS[i]);
                hs[i] = h.isNull() ? new Histogram(3) : decode(h.path("hdrHistogram").asText());
            }
            List<RunResult.Sample> timeline = new ArrayList<>();
            for (JsonNode s : run.path("timeline")) {
                timeline.add(new RunResult.Sample(s.path("second").asDouble(), s.path("publishRate").asDouble(),
                        s.path("consumeRate").asDouble(), s.path("e2eP99Micros").asLong()));
            }
            runs.add(new RunResult(run.path("broker").asText(), run.path("client").asText(),
                    run.path("targetRate").asLong(), run.path("round").asInt(1),
                    Workload.Phases.valueOf(run.path("phases").asText("together").toUpperCase(Locale.ROOT)),
                    RunResult.Status.valueOf(run.path("status").asText()),
                    run.path("error").isNull() ? null : run.path("error").asText(), run.path("measuredSeconds").asDouble(),
                    run.path("sent").asLong(), run.path("sendErrors").asLong(), run.path("received").asLong(),
                    run.path("publishRate").asDouble(), run.path("publishMBps").asDouble(), run.path("consumeRate").asDouble(),
                    hs[0], hs[1], hs[2], hs[3], run.path("lost").asLong(), run.path("duplicated").asLong(),
                    run.path("reordered").asLong(), timeline, strings(run.path("provenance"))));
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> workload = JSON.convertValue(root.path("workload"), Map.class);
        return new Report(schema, root.path("started").asText(), root.path("command").asText(), workload,
                strings(root.path("environment")), runs, JSON.convertValue(root.path("notes"),
                        JSON.getTypeFactory().constructCollectionType(List.class, String.class)));
    }

    private static Histogram decode(String base64) throws IOException {
        try {
            return Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(Base64.getDecoder().decode(base64)), 0);
        } catch (DataFormatException | IllegalArgumentException e) {
            throw new IOException("bad hdrHistogram field: " + e.getMessage(), e);
        }
    }

    private static Map<String, String> strings(JsonNode node) {
        Map<String, String> m = new LinkedHashMap<>();
        node.fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue().asText()));
        return m;
    }
}
