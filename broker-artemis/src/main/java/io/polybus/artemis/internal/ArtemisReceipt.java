package io.polybus.artemis.internal;

import io.polybus.Receipt;
import org.apache.activemq.artemis.utils.UUID;

/**
 * What Artemis said to a send: it stored the message. Artemis does not tell a producer the id it gave the message,
 * so the position is the send's number on its producer. The message id is the id given to the message, else the
 * user id it was sent with; texts are made only when asked for.
 */
record ArtemisReceipt(String topic, String givenId, UUID userId, long sendNumber) implements Receipt {
    @Override
    public String messageId() {
        return givenId != null ? givenId : userId.toString();
    }

    @Override
    public String position() {
        return "send #" + sendNumber;
    }
}
