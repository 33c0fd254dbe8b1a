package io.polybus.nats.internal;

/**
 * What JetStream says of a delivery in its reply subject: {@code $JS.ACK.<stream>.<consumer>.<delivered>.<stream
 * sequence>.<consumer sequence>.<timestamp nanos>[.<pending>]}, or with {@code <domain>.<account hash>} before the
 * stream (and a token at the end) on newer servers. Read by hand, without the regular-expression split, the
 * string array and the {@code ZonedDateTime} of jnats' metadata: this runs for every message.
 *
 * @param delivered      the delivery count: 1 on the first delivery
 * @param streamSequence the message's sequence in its stream
 * @param timestampNanos when the stream stored it, epoch nanoseconds
 */
record AckSubject(long delivered, long streamSequence, long timestampNanos) {
    private static final String PREFIX = "$JS.ACK.";
    private static final int MAX_TOKENS = 16;

    /**
     * Parses a reply subject.
     *
     * @throws IllegalArgumentException when it is not a JetStream acknowledgement subject
     */
    static AckSubject parse(String replyTo) {
        if (replyTo == null || !replyTo.startsWith(PREFIX)) {
            throw new IllegalArgumentException("not a JetStream message (reply subject " + replyTo + ")");
        }
        int[] starts = new int[MAX_TOKENS];
        int tokens = 0;
        int at = PREFIX.length();
        starts[tokens++] = at;
        while (tokens < MAX_TOKENS) {
            int dot = replyTo.indexOf('.', at);
            if (dot < 0) {
                break;
            }
            at = dot + 1;
            starts[tokens++] = at;
        }
        // Tokens after $JS.ACK: stream, consumer, delivered, ... (6 or 7), or domain, hash, stream, ... (9 or more).
        int first;
        if (tokens == 6 || tokens == 7) {
            first = 2;
        } else if (tokens >= 9) {
            first = 4;
        } else {
            throw new IllegalArgumentException("not a JetStream acknowledgement subject: " + replyTo);
        }
        return new AckSubject(number(replyTo, starts, tokens, first), number(replyTo, starts, tokens, first + 1),
                number(replyTo, starts, tokens, first + 3));
    }

    private static long number(String s, int[] starts, int tokens, int index) {
        int end = index + 1 < tokens ? starts[index + 1] - 1 : s.length();
        return Long.parseLong(s, starts[index], end, 10);
    }
}
