package io.polybus.events;

import java.util.LinkedHashMap;
import java.util.Map;

/** Walking {@code fields.a.b} paths through nested maps of parsed fields. */
final class Paths {
    private Paths() {
    }

    /** The value under {@code fields} at {@code path} (whose first segment is {@code fields}), or null. */
    static Object get(Map<String, Object> fields, FieldPath path) {
        if (path.length() == 1) {
            return fields;
        }
        Object node = fields;
        for (int i = 1; i < path.length(); i++) {
            if (!(node instanceof Map<?, ?> m)) {
                return null;
            }
            node = m.get(path.segment(i));
        }
        return node;
    }

    @SuppressWarnings("unchecked")
    static void put(Map<String, Object> fields, FieldPath path, Object value) {
        Map<String, Object> map = fields;
        for (int i = 1; i < path.length() - 1; i++) {
            Object next = map.get(path.segment(i));
            if (next == null) {
                Map<String, Object> made = new LinkedHashMap<>();
                map.put(path.segment(i), made);
                map = made;
            } else if (next instanceof Map<?, ?> m) {
                map = (Map<String, Object>) m;
            } else {
                throw new IllegalArgumentException("cannot set '" + path + "': '" + path.segment(i) + "' holds a value, not fields");
            }
        }
        map.put(path.segment(path.length() - 1), value);
    }

    static Object remove(Map<String, Object> fields, FieldPath path) {
        Object node = fields;
        for (int i = 1; i < path.length() - 1; i++) {
            if (!(node instanceof Map<?, ?> m)) {
                return null;
            }
            node = m.get(path.segment(i));
        }
        return node instanceof Map<?, ?> m ? m.remove(path.segment(path.length() - 1)) : null;
    }
}
