package io.polybus;

/** Who settles a delivery. */
public enum AckMode {
    /**
     * The handler (or whoever it passes the delivery to) calls ack, requeue or reject, when it likes. If the
     * handler throws before settling, {@link ConsumerOptions#onHandlerError()} settles the delivery.
     */
    MANUAL,
    /** Acked when the handler returns; settled with {@link ConsumerOptions#onHandlerError()} when it throws. */
    AUTO
}
