package io.polybus.events;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** One immutable set of fields in many events: written as any map is, and never changed through one of them. */
class SharedFieldsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Map<String, Object> geo() {
        Map<String, Object> location = new LinkedHashMap<>();
        location.put("lat", 48.85);
        location.put("lon", 2.35);
        Map<String, Object> geo = new LinkedHashMap<>();
        geo.put("country", "FR");
        geo.put("city", "Paris \"centre\" \u00e9");
        geo.put("location", location);
        geo.put("asn", 3215);
        geo.put("ranges", new ArrayList<>(List.of("a", "b")));
        return geo;
    }

    private static MutableEvent event() {
        MutableEvent e = new MutableEvent("h", "file", "nginx", StandardCharsets.UTF_8);
        byte[] line = "GET /".getBytes(StandardCharsets.US_ASCII);
        e.reset(line, 0, line.length, 0, Origin.file("/a.log", "1:2:ab"), 0);
        return e;
    }

    @Test
    void sharedFieldsAreWrittenExactlyAsTheMapTheyCopy() throws Exception {
        MutableEvent plain = event();
        plain.set(FieldPath.of("fields.geo"), geo());
        MutableEvent shared = event();
        shared.set(FieldPath.of("fields.geo"), SharedFields.of(geo()));
        assertEquals(JSON.readTree(new EventWriter().write(plain)), JSON.readTree(new EventWriter().write(shared)));
        assertEquals(new String(new EventWriter().write(plain), StandardCharsets.UTF_8),
                new String(new EventWriter().write(shared), StandardCharsets.UTF_8), "byte for byte, in the same order");
    }

    @Test
    void theyCannotBeChangedInPlaceAndNestedValuesAreFrozenToo() {
        SharedFields shared = SharedFields.of(geo());
        assertThrows(UnsupportedOperationException.class, () -> shared.put("x", 1));
        assertInstanceOf(SharedFields.class, shared.get("location"));
        assertThrows(UnsupportedOperationException.class, () -> ((List<?>) shared.get("ranges")).clear());
        assertSame(shared, SharedFields.of(shared));
    }

    @Test
    void settingOrRemovingUnderThemInOneEventLeavesEveryOtherEventsCopyAlone() throws Exception {
        SharedFields shared = SharedFields.of(geo());
        String before = new String(new EventWriter().write(withGeo(shared)), StandardCharsets.UTF_8);
        MutableEvent changed = withGeo(shared);
        changed.set(FieldPath.of("fields.geo.location.lat"), 0.5);
        changed.set(FieldPath.of("fields.geo.region"), "IDF");
        assertEquals("Paris \"centre\" \u00e9", changed.remove(FieldPath.of("fields.geo.city")));
        assertEquals(null, changed.remove(FieldPath.of("fields.geo.location.missing")));
        Map<?, ?> geo = JSON.readValue(new EventWriter().write(changed), Map.class);
        Map<?, ?> fields = (Map<?, ?>) ((Map<?, ?>) geo.get("fields")).get("geo");
        assertEquals(0.5, ((Map<?, ?>) fields.get("location")).get("lat"));
        assertEquals("IDF", fields.get("region"));
        assertEquals(false, fields.containsKey("city"));
        assertEquals(before, new String(new EventWriter().write(withGeo(shared)), StandardCharsets.UTF_8),
                "the shared fields are as they were");
        assertEquals(48.85, ((Map<?, ?>) shared.get("location")).get("lat"));
    }

    private static MutableEvent withGeo(SharedFields shared) {
        MutableEvent e = event();
        e.set(FieldPath.of("fields.geo"), shared);
        return e;
    }
}
