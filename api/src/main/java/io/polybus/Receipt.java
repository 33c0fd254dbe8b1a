package io.polybus;

import io.polybus.internal.BasicReceipt;

/**
 * What the broker said when it accepted a message. Broker modules may build the id and position text only when
 * they are asked for, so a receipt that nobody reads costs next to nothing; compare receipts by their parts.
 */
public interface Receipt {

    /** A receipt with the given parts. */
    static Receipt of(String topic, String messageId, String position) {
        return new BasicReceipt(topic, messageId, position);
    }

    /** The topic the message went to. */
    String topic();

    /**
     * The id consumers see for this message: the id given to its builder, or else the broker's name for the stored
     * message, or the generated id the broker carries (see {@link Message}).
     */
    String messageId();

    /**
     * Where the broker stored the message, in the broker's own terms (Kafka {@code partition@offset}, a Redis
     * stream entry id, ...); for logs and diagnostics, not for parsing.
     */
    String position();
}
