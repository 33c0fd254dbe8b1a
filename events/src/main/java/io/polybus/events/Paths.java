package io.polybus.events;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Walking {@code fields.a.b} paths through nested maps of parsed fields. Writes replace the {@link SharedFields}
 * they pass through with modifiable copies in the event that is written, so no other event sees the change.
 */
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

    static void put(Map<String, Object> fields, FieldPath path, Object value) {
        Map<String, Object> map = fields;
        for (int i = 1; i < path.length() - 1; i++) {
            Object next = map.get(path.segment(i));
            if (next == null) {
                Map<String, Object> made = new LinkedHashMap<>();
                map.put(path.segment(i), made);
                map = made;
            } else if (next instanceof Map<?, ?> m) {
                map = modifiable(map, path.segment(i), m);
            } else {
                throw new IllegalArgumentException("cannot set '" + path + "': '" + path.segment(i) + "' holds a value, not fields");
            }
        }
        map.put(path.segment(path.length() - 1), value);
    }

    static Object remove(Map<String, Object> fields, FieldPath path) {
        Map<String, Object> map = fields;
        String last = path.segment(path.length() - 1);
        for (int i = 1; i < path.length() - 1; i++) {
            if (!(map.get(path.segment(i)) instanceof Map<?, ?> m) || !holds(m, path, i + 1)) {
                return null;
            }
            map = modifiable(map, path.segment(i), m);
        }
        return map.remove(last);
    }

    /** Whether {@code map} holds the rest of {@code path} from segment {@code from} on. */
    private static boolean holds(Map<?, ?> map, FieldPath path, int from) {
        Object node = map;
        for (int i = from; i < path.length(); i++) {
            if (!(node instanceof Map<?, ?> m) || !m.containsKey(path.segment(i))) {
                return false;
            }
            node = m.get(path.segment(i));
        }
        return true;
    }

    /** {@code child}, held at {@code parent[key]}, or (when it is shared) a modifiable copy put there instead. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> modifiable(Map<String, Object> parent, String key, Map<?, ?> child) {
        if (child instanceof SharedFields shared) {
            Map<String, Object> copy = shared.modifiable();
            parent.put(key, copy);
            return copy;
        }
        return (Map<String, Object>) child;
    }
}
