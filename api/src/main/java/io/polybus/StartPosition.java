package io.polybus;

/** Where a group that does not exist yet starts reading. */
public enum StartPosition {
    /** With the first message published after the group was created (every broker). */
    LATEST,
    /** With the earliest retained message; needs {@link Capability#REPLAY}. */
    EARLIEST
}
