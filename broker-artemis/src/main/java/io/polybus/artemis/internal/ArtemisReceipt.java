package io.polybus.artemis.internal;

import io.polybus.Receipt;

/**
 * What Artemis said to a send: it stored the message. Artemis does not tell a producer the id it gave the message,
 * so the position is the send's number on its producer; the text is made only when asked for.
 */
record ArtemisReceipt(String topic, String messageId, long sendNumber) implements Receipt {
    @Override
    public String position() {
        return "send #" + sendNumber;
    }
}
