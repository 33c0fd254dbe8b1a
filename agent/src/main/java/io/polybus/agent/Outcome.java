package io.polybus.agent;

/** What became of a record handed to {@link SourceContext#send}. */
public enum Outcome {
    /** Its event was handed to the broker (or packed to be). */
    SENT,
    /** A processor dropped it. */
    FILTERED,
    /** The agent stopped while the record waited for room to send: it was not sent, and its input's checkpoint stays before it. */
    STOPPED
}
