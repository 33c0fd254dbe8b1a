package io.polybus.agent.internal.syslog;

import io.polybus.events.LogEvent;
import io.polybus.events.MutableEvent;
import io.polybus.events.Processor;

import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZonedDateTime;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The first processor of a {@code syslog} source: parses an RFC 5424 message
 * ({@code <PRI>1 TIMESTAMP HOST APP PROCID MSGID [SD] MSG}) or an RFC 3164 (BSD) one
 * ({@code <PRI>Mmm dd hh:mm:ss HOST TAG[PID]: MSG}) into fields, sets the event's timestamp from the message's
 * and its {@code message} to the MSG part. A message without a valid {@code <PRI>}, or an RFC 5424 header that
 * does not parse, is kept whole and tagged {@value #FAILURE}. An RFC 3164 timestamp has no
 * year and no zone: the agent's zone and the year that puts it nearest to now (so December messages read in
 * January are last year's).
 */
final class SyslogParser implements Processor {
    /** The tag of a message that did not parse. */
    static final String FAILURE = "_syslog_parse_failure";
    static final List<String> FACILITIES = List.of("kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news",
            "uucp", "cron", "authpriv", "ftp", "ntp", "audit", "alert", "clock",
            "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7");
    static final List<String> SEVERITIES = List.of("emerg", "alert", "crit", "err", "warning", "notice", "info", "debug");
    private static final List<String> MONTHS = List.of("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep",
            "Oct", "Nov", "Dec");

    private final Clock clock;
    private final Runnable onFailure;

    /** {@code onFailure} runs for every message that does not parse (to count them). */
    SyslogParser(Clock clock, Runnable onFailure) {
        this.clock = clock;
        this.onFailure = onFailure;
    }

    @Override
    public void process(LogEvent event, Chain chain) {
        String text = event.message();
        long received = event.timestampMillis();
        if (!parse(event, text)) {
            // A chunk after the first of a split message has no header: it is not a malformed message.
            if (!event.hasTag(MutableEvent.TAG_SPLIT) || text.startsWith("<")) {
                event.tag(FAILURE);
                onFailure.run();
            }
            event.fields().clear();
            event.timestampMillis(received);
        }
        chain.proceed(event);
    }

    /**
     * Fills the event from {@code text}; false when it is not syslog, with fields and timestamp possibly half
     * set, and the message unchanged.
     */
    private boolean parse(LogEvent event, String text) {
        Cursor c = new Cursor(text);
        int pri = c.pri();
        if (pri < 0) {
            return false;
        }
        Map<String, Object> f = event.fields();
        f.put("facility", FACILITIES.get(pri >> 3));
        f.put("facility_code", pri >> 3);
        f.put("severity", SEVERITIES.get(pri & 7));
        f.put("severity_code", pri & 7);
        if (c.startsWith("1 ")) {
            c.pos += 2;
            return rfc5424(event, c);
        }
        rfc3164(event, c);
        return true;
    }

    private boolean rfc5424(LogEvent event, Cursor c) {
        String timestamp = c.token();
        String hostname = c.token();
        String app = c.token();
        String procid = c.token();
        String msgid = c.token();
        if (msgid == null) {
            return false;
        }
        Map<String, Object> f = event.fields();
        if (!timestamp.equals("-")) {
            try {
                event.timestampMillis(OffsetDateTime.parse(timestamp).toInstant().toEpochMilli());
            } catch (DateTimeParseException e) {
                return false;
            }
        }
        putUnlessNil(f, "hostname", hostname);
        putUnlessNil(f, "app_name", app);
        putUnlessNil(f, "procid", procid);
        putUnlessNil(f, "msgid", msgid);
        if (c.startsWith("-")) {
            c.pos++;
        } else {
            Map<String, Map<String, String>> sd = c.structuredData();
            if (sd == null) {
                return false;
            }
            f.put("structured_data", sd);
        }
        if (c.pos < c.text.length() && c.text.charAt(c.pos) != ' ') {
            return false;
        }
        String msg = c.pos < c.text.length() ? c.text.substring(c.pos + 1) : "";
        event.message(msg.startsWith("\uFEFF") ? msg.substring(1) : msg);
        return true;
    }

    private static void putUnlessNil(Map<String, Object> fields, String name, String value) {
        if (!value.equals("-")) {
            fields.put(name, value);
        }
    }

    /**
     * {@code TIMESTAMP HOSTNAME TAG: MSG}, each part optional as senders omit them: without a recognisable
     * timestamp the rest is the message; a first word that ends with {@code :} or has {@code [} is the tag
     * (no hostname); a tag is a word followed by {@code :} or {@code [pid]:}.
     */
    private void rfc3164(LogEvent event, Cursor c) {
        long millis = c.bsdTimestamp(clock);
        if (millis < 0) {
            millis = c.isoTimestamp();
        }
        if (millis < 0) {
            event.message(c.rest());
            return;
        }
        event.timestampMillis(millis);
        Map<String, Object> f = event.fields();
        int save = c.pos;
        String first = c.token();
        if (first != null && !first.endsWith(":") && !first.contains("[")) {
            f.put("hostname", first);
        } else {
            c.pos = save;
        }
        int tagStart = c.pos;
        int i = tagStart;
        String s = c.text;
        while (i < s.length() && i - tagStart <= 48 && s.charAt(i) != ':' && s.charAt(i) != '[' && s.charAt(i) != ' ') {
            i++;
        }
        String tag = s.substring(tagStart, i);
        String pid = null;
        if (i < s.length() && s.charAt(i) == '[') {
            int close = s.indexOf(']', i);
            if (close > i + 1) {
                pid = s.substring(i + 1, close);
                i = close + 1;
            }
        }
        if (!tag.isEmpty() && i < s.length() && s.charAt(i) == ':') {
            f.put("app_name", tag);
            if (pid != null) {
                f.put("procid", pid);
            }
            c.pos = i + 1;
            if (c.pos < s.length() && s.charAt(c.pos) == ' ') {
                c.pos++;
            }
        }
        event.message(c.rest());
    }

    /** A position in the message. */
    private static final class Cursor {
        final String text;
        int pos;

        Cursor(String text) {
            this.text = text;
        }

        boolean startsWith(String prefix) {
            return text.startsWith(prefix, pos);
        }

        String rest() {
            return text.substring(Math.min(pos, text.length()));
        }

        /** {@code <0>} to {@code <191>}, no leading zeros; -1 when there is none. */
        int pri() {
            int close = text.indexOf('>');
            if (!text.startsWith("<") || close < 2 || close > 4 || (close > 2 && text.charAt(1) == '0')) {
                return -1;
            }
            int pri = 0;
            for (int i = 1; i < close; i++) {
                char ch = text.charAt(i);
                if (ch < '0' || ch > '9') {
                    return -1;
                }
                pri = pri * 10 + (ch - '0');
            }
            if (pri > 191) {
                return -1;
            }
            pos = close + 1;
            return pri;
        }

        /** The next word up to a space (consumed too); null at the end. */
        String token() {
            if (pos >= text.length()) {
                return null;
            }
            int space = text.indexOf(' ', pos);
            int end = space < 0 ? text.length() : space;
            if (end == pos) {
                return null;
            }
            String t = text.substring(pos, end);
            pos = space < 0 ? end : end + 1;
            return t;
        }

        /** {@code [id name="value" ...][...]}, escapes ({@code \" \\ \]}) resolved; null when malformed. */
        Map<String, Map<String, String>> structuredData() {
            Map<String, Map<String, String>> sd = new LinkedHashMap<>();
            while (startsWith("[")) {
                pos++;
                int idEnd = pos;
                while (idEnd < text.length() && " ]=\"".indexOf(text.charAt(idEnd)) < 0) {
                    idEnd++;
                }
                if (idEnd == pos || idEnd >= text.length()) {
                    return null;
                }
                Map<String, String> params = sd.computeIfAbsent(text.substring(pos, idEnd), k -> new LinkedHashMap<>());
                pos = idEnd;
                while (startsWith(" ")) {
                    pos++;
                    int eq = text.indexOf("=\"", pos);
                    if (eq <= pos || text.substring(pos, eq).contains(" ")) {
                        return null;
                    }
                    String name = text.substring(pos, eq);
                    pos = eq + 2;
                    StringBuilder value = new StringBuilder();
                    while (pos < text.length() && text.charAt(pos) != '"') {
                        char ch = text.charAt(pos);
                        if (ch == '\\' && pos + 1 < text.length() && "\"\\]".indexOf(text.charAt(pos + 1)) >= 0) {
                            ch = text.charAt(++pos);
                        }
                        value.append(ch);
                        pos++;
                    }
                    if (pos >= text.length()) {
                        return null;
                    }
                    pos++;
                    params.put(name, value.toString());
                }
                if (!startsWith("]")) {
                    return null;
                }
                pos++;
            }
            return sd.isEmpty() ? null : sd;
        }

        /** {@code Mmm dd hh:mm:ss } (day space-padded) in the clock's zone; -1 when there is none. */
        long bsdTimestamp(Clock clock) {
            if (pos + 16 > text.length() || text.charAt(pos + 3) != ' ' || text.charAt(pos + 6) != ' '
                    || text.charAt(pos + 9) != ':' || text.charAt(pos + 12) != ':' || text.charAt(pos + 15) != ' ') {
                return -1;
            }
            int month = MONTHS.indexOf(text.substring(pos, pos + 3)) + 1;
            int day = number(pos + 4, 2);
            int hour = number(pos + 7, 2);
            int minute = number(pos + 10, 2);
            int second = number(pos + 13, 2);
            if (month == 0 || day < 0 || hour < 0 || minute < 0 || second < 0) {
                return -1;
            }
            ZonedDateTime now = ZonedDateTime.now(clock);
            long best = -1;
            long bestDistance = Long.MAX_VALUE;
            for (int year = now.getYear() - 1; year <= now.getYear() + 1; year++) {
                try {
                    ZonedDateTime t = LocalDateTime.of(year, month, day, hour, minute, second).atZone(clock.getZone());
                    long distance = Duration.between(t, now).abs().toMillis();
                    if (distance < bestDistance) {
                        bestDistance = distance;
                        best = t.toInstant().toEpochMilli();
                    }
                } catch (DateTimeException e) {
                    // Feb 29 of a year that has none, or a day the month does not have.
                }
            }
            if (best >= 0) {
                pos += 16;
            }
            return best;
        }

        /** An RFC 3339 timestamp where RFC 3164 has its own (rsyslog's high-precision format); -1 when none. */
        long isoTimestamp() {
            int space = text.indexOf(' ', pos);
            if (space < 0 || space - pos < 20 || text.charAt(pos + 4) != '-') {
                return -1;
            }
            try {
                long millis = OffsetDateTime.parse(text.substring(pos, space)).toInstant().toEpochMilli();
                pos = space + 1;
                return millis;
            } catch (DateTimeParseException e) {
                return -1;
            }
        }

        /** {@code digits} decimal digits at {@code at}, a leading space allowed; -1 when not a number. */
        private int number(int at, int digits) {
            int n = 0;
            for (int i = at; i < at + digits; i++) {
                char ch = text.charAt(i);
                if (ch == ' ' && i == at) {
                    continue;
                }
                if (ch < '0' || ch > '9') {
                    return -1;
                }
                n = n * 10 + (ch - '0');
            }
            return n;
        }
    }
}
