package io.polybus.memory.internal;

import io.polybus.Message;

/** A message waiting in a group, with the attempt its next delivery will have. */
record Entry(Message message, int partition, int attempt, int size) {
    Entry next() {
        return new Entry(message, partition, attempt + 1, size);
    }
}
