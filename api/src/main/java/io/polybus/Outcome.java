package io.polybus;

/** What a consumer says of a delivery. */
public enum Outcome {
    ACK, REQUEUE, REJECT
}
