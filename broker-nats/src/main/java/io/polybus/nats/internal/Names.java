package io.polybus.nats.internal;

import java.nio.charset.StandardCharsets;

/**
 * How topics and groups become stream, subject and consumer names. Stream and consumer names may not hold
 * {@code . * > / \}, spaces or anything outside printable ASCII; subject tokens may not hold {@code * >} or spaces.
 * Such characters, and the escape character {@code %} itself, are written as {@code %XX} (the UTF-8 bytes in
 * hex), so that two topics never share a name: {@code logs.dlq} is the stream {@code logs%2Edlq} on the subject
 * {@code logs.dlq}.
 */
final class Names {
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private Names() {
    }

    /** A stream or consumer name (without a prefix). */
    static String name(String text) {
        return escape(text, true);
    }

    /** A subject for {@code topic}: its dots separate tokens, unless that would make an empty token. */
    static String subject(String topic) {
        boolean emptyToken = topic.startsWith(".") || topic.endsWith(".") || topic.contains("..");
        return escape(topic, emptyToken);
    }

    private static String escape(String text, boolean escapeDots) {
        StringBuilder sb = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean plain = c > 32 && c < 127 && c != '%' && c != '~' && c != '*' && c != '>'
                    && (!escapeDots || c != '.' && c != '/' && c != '\\');
            if (plain) {
                if (sb != null) {
                    sb.append(c);
                }
                continue;
            }
            if (sb == null) {
                sb = new StringBuilder(text.length() + 16).append(text, 0, i);
            }
            int end = Character.isHighSurrogate(c) && i + 1 < text.length() ? i + 2 : i + 1;
            for (byte b : text.substring(i, end).getBytes(StandardCharsets.UTF_8)) {
                sb.append('~').append(HEX[(b >> 4) & 0xf]).append(HEX[b & 0xf]);
            }
            i = end - 1;
        }
        return sb == null ? text : sb.toString();
    }
}
