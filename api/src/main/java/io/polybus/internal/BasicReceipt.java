package io.polybus.internal;

import io.polybus.Receipt;

/** A {@link Receipt} whose parts are known when it is made. */
public record BasicReceipt(String topic, String messageId, String position) implements Receipt {
    @Override
    public String toString() {
        return "Receipt[topic=" + topic + ", messageId=" + messageId + ", position=" + position + "]";
    }
}
