package io.polybus.processors;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a MaxMind DB file (format 2.0, an IPv6 tree with 24-bit records, IPv4 networks under ::/96) of the
 * networks and records given, so that {@code geoip} can be tested and measured without a licensed database: the
 * tests write a City and an ASN database, the bench one with many networks. Records are maps of strings, doubles,
 * unsigned whole numbers (an Integer below 65536 as uint16, a Long as uint32 or uint64: the types MaxMind's
 * databases use, e.g. {@code accuracy_radius} and {@code geoname_id}), lists and maps; a network inside one already
 * inserted is not supported. Holds the data in memory until {@link #write}; not thread-safe.
 *
 * <pre>{@code
 * new MmdbWriter("GeoLite2-ASN")
 *         .insert("81.2.69.0/24", Map.of("autonomous_system_number", 20712L, "autonomous_system_organization", "A&A"))
 *         .write(Path.of("asn.mmdb"));
 * }</pre>
 */
public final class MmdbWriter {
    private static final byte[] METADATA_MARKER = {(byte) 0xAB, (byte) 0xCD, (byte) 0xEF,
            'M', 'a', 'x', 'M', 'i', 'n', 'd', '.', 'c', 'o', 'm'};

    /** A node of the search tree: each side is a node, a data offset (Integer) or empty (null). */
    private static final class Node {
        Object[] children = new Object[2];
    }

    private final String databaseType;
    private final Node root = new Node();
    private final ByteArrayOutputStream data = new ByteArrayOutputStream();

    /** @param databaseType what the reader is told, e.g. {@code GeoLite2-City} or {@code GeoLite2-ASN} */
    public MmdbWriter(String databaseType) {
        this.databaseType = databaseType;
    }

    /**
     * Maps {@code cidr} ({@code 81.2.69.0/24}, {@code 2a02:db8::/32}) to {@code record}.
     *
     * @throws IllegalArgumentException when {@code cidr} is not an address literal and a prefix length, or a value
     *                                  of the record cannot be encoded
     */
    public MmdbWriter insert(String cidr, Map<String, ?> record) {
        String[] parts = cidr.split("/");
        if (parts.length != 2 || !parts[0].matches("[0-9A-Fa-f:.]+")) {
            throw new IllegalArgumentException("expected an address and a prefix length such as 81.2.69.0/24, was " + cidr);
        }
        byte[] address;
        try {
            address = InetAddress.getByName(parts[0]).getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an address: " + parts[0], e);
        }
        int prefix = Integer.parseInt(parts[1]);
        byte[] bits = new byte[16];
        if (address.length == 4) {
            System.arraycopy(address, 0, bits, 12, 4);
            prefix += 96;
        } else {
            bits = address;
        }
        int offset = data.size();
        encode(record, data);
        Node n = root;
        for (int i = 0; i < prefix; i++) {
            int bit = (bits[i / 8] >> (7 - i % 8)) & 1;
            if (i == prefix - 1) {
                n.children[bit] = offset;
            } else {
                if (!(n.children[bit] instanceof Node)) {
                    n.children[bit] = new Node();
                }
                n = (Node) n.children[bit];
            }
        }
        return this;
    }

    /** Writes the database to {@code file}, replacing it. */
    public void write(Path file) throws IOException {
        List<Node> nodes = new ArrayList<>();
        number(root, nodes);
        int count = nodes.size();
        Map<Node, Integer> index = new IdentityHashMap<>();
        for (int i = 0; i < count; i++) {
            index.put(nodes.get(i), i);
        }
        if (count + 16L + data.size() >= 1L << 24) {
            throw new IllegalStateException("too large for 24-bit records: " + count + " nodes and " + data.size() + " bytes of data");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Node n : nodes) {
            for (Object child : n.children) {
                long record = child == null ? count : child instanceof Node c ? index.get(c) : count + 16L + (Integer) child;
                out.write((int) (record >> 16) & 0xff);
                out.write((int) (record >> 8) & 0xff);
                out.write((int) record & 0xff);
            }
        }
        out.write(new byte[16]);
        data.writeTo(out);
        out.write(METADATA_MARKER);
        Map<String, Object> metadata = new java.util.LinkedHashMap<>();
        metadata.put("node_count", new Unsigned(count, 6));
        metadata.put("record_size", new Unsigned(24, 5));
        metadata.put("ip_version", new Unsigned(6, 5));
        metadata.put("database_type", databaseType);
        metadata.put("languages", List.of("en"));
        metadata.put("binary_format_major_version", new Unsigned(2, 5));
        metadata.put("binary_format_minor_version", new Unsigned(0, 5));
        metadata.put("build_epoch", new Unsigned(1_796_601_600L, 9));
        metadata.put("description", Map.of("en", "Polybus test database"));
        encode(metadata, out);
        Files.write(file, out.toByteArray());
    }

    private static void number(Node root, List<Node> nodes) {
        ArrayDeque<Node> todo = new ArrayDeque<>(List.of(root));
        while (!todo.isEmpty()) {
            Node n = todo.poll();
            nodes.add(n);
            for (Object child : n.children) {
                if (child instanceof Node c) {
                    todo.add(c);
                }
            }
        }
    }

    /** An unsigned integer of a given type: 5 uint16, 6 uint32, 9 uint64. */
    private record Unsigned(long value, int type) {
    }

    private static void encode(Object value, ByteArrayOutputStream out) {
        if (value instanceof String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            control(2, b.length, out);
            out.writeBytes(b);
        } else if (value instanceof Double d) {
            control(3, 8, out);
            long bits = Double.doubleToLongBits(d);
            for (int i = 7; i >= 0; i--) {
                out.write((int) (bits >> (8 * i)) & 0xff);
            }
        } else if (value instanceof Integer i && i >= 0 && i < 65_536) {
            encode(new Unsigned(i, 5), out);
        } else if (value instanceof Long l && l >= 0) {
            encode(new Unsigned(l, l < 1L << 32 ? 6 : 9), out);
        } else if (value instanceof Unsigned u) {
            int size = 0;
            for (long v = u.value(); v != 0; v >>>= 8) {
                size++;
            }
            control(u.type(), size, out);
            for (int i = size - 1; i >= 0; i--) {
                out.write((int) (u.value() >> (8 * i)) & 0xff);
            }
        } else if (value instanceof Map<?, ?> m) {
            control(7, m.size(), out);
            m.forEach((k, v) -> {
                encode(String.valueOf(k), out);
                encode(v, out);
            });
        } else if (value instanceof List<?> l) {
            control(11, l.size(), out);
            l.forEach(v -> encode(v, out));
        } else {
            throw new IllegalArgumentException("cannot encode " + value);
        }
    }

    /** The control byte(s): the type (extended types in a second byte) and the size. */
    private static void control(int type, int size, ByteArrayOutputStream out) {
        int sizeBits = size < 29 ? size : size < 285 ? 29 : size < 65_821 ? 30 : 31;
        out.write((type <= 7 ? type << 5 : 0) | sizeBits);
        if (type > 7) {
            out.write(type - 7);
        }
        if (sizeBits == 29) {
            out.write(size - 29);
        } else if (sizeBits == 30) {
            out.write((size - 285) >> 8);
            out.write((size - 285) & 0xff);
        } else if (sizeBits == 31) {
            int s = size - 65_821;
            out.write(s >> 16);
            out.write((s >> 8) & 0xff);
            out.write(s & 0xff);
        }
    }
}
