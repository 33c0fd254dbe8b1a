package io.polybus.rocketmq.internal;

import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.store.OffsetStore;
import org.apache.rocketmq.client.consumer.store.ReadOffsetType;
import org.apache.rocketmq.client.consumer.store.RemoteBrokerOffsetStore;
import org.apache.rocketmq.client.exception.MQBrokerException;
import org.apache.rocketmq.client.exception.MQClientException;
import org.apache.rocketmq.common.message.MessageQueue;
import org.apache.rocketmq.remoting.exception.RemotingException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.Set;

/**
 * The consumed offsets of one member of a group: kept in memory by RocketMQ's own broker store, written to the broker
 * only by this store's calls, one at a time, each answered before the next. So when a queue is handed to another
 * member, the offset that the client writes just before it unlocks the queue is the last one the broker stores, and
 * the next member starts right after what this one settled.
 *
 * <p>RocketMQ's own store gets two writers that the broker may apply out of order, and both bring back messages a
 * member had settled: every pull request carries the queue's consumed offset, which the broker stores when its pull
 * threads get to the request, so a pull sent before a handover and processed after it stores an offset one batch old;
 * and its writes are one-way, run by a pool of broker threads. This store answers no offset when the pull asks
 * ({@link ReadOffsetType#READ_FROM_MEMORY}, which only the pull asks for in the 5.3 push consumer), and writes every
 * offset with an answered request.
 *
 * <p>Thread-safe: writes to the broker are serialized; the memory is RocketMQ's concurrent table.
 */
final class MemberOffsetStore implements OffsetStore {
    private static final Logger log = LoggerFactory.getLogger(MemberOffsetStore.class);

    private final DefaultMQPushConsumer consumer;
    private final Object writes = new Object();
    /** Created at {@link #load()}: the consumer's client instance exists only once it starts. */
    private volatile RemoteBrokerOffsetStore offsets;

    MemberOffsetStore(DefaultMQPushConsumer consumer) {
        this.consumer = consumer;
    }

    @Override
    public void load() {
        offsets = new RemoteBrokerOffsetStore(consumer.getDefaultMQPushConsumerImpl().getmQClientFactory(),
                consumer.getConsumerGroup());
    }

    @Override
    public void updateOffset(MessageQueue mq, long offset, boolean increaseOnly) {
        offsets.updateOffset(mq, offset, increaseOnly);
    }

    @Override
    public void updateAndFreezeOffset(MessageQueue mq, long offset) {
        offsets.updateAndFreezeOffset(mq, offset);
    }

    /** No offset from memory, which only a pull request asks for: the broker would store it when it gets to the pull. */
    @Override
    public long readOffset(MessageQueue mq, ReadOffsetType type) {
        return type == ReadOffsetType.READ_FROM_MEMORY ? -1 : offsets.readOffset(mq, type);
    }

    /** The consumed offset of {@code mq} in memory (the next message to deliver), or -1 when there is none. */
    long consumed(MessageQueue mq) {
        return offsets.readOffset(mq, ReadOffsetType.READ_FROM_MEMORY);
    }

    /**
     * Writes the consumed offsets of {@code mqs}, each answered before the next; stops at the first that fails, so
     * that a broker that does not answer holds up the client's scheduler (which calls this every 5 s) for one
     * timeout only: the rest are written on the next round.
     */
    @Override
    public void persistAll(Set<MessageQueue> mqs) {
        for (MessageQueue mq : mqs) {
            if (!write(mq)) {
                return;
            }
        }
    }

    /** Writes the consumed offset of {@code mq} and waits for the broker's answer. */
    @Override
    public void persist(MessageQueue mq) {
        write(mq);
    }

    /** False when the broker did not store the offset. */
    private boolean write(MessageQueue mq) {
        synchronized (writes) {
            long offset = consumed(mq);
            if (offset < 0) {
                return true;
            }
            try {
                offsets.updateConsumeOffsetToBroker(mq, offset, false);
                return true;
            } catch (RemotingException | MQBrokerException | MQClientException e) {
                log.warn("group '{}' could not store its offset {} of queue {} of topic '{}' ({}); messages after the"
                        + " last stored offset may be delivered again", consumer.getConsumerGroup(), offset,
                        mq.getQueueId(), mq.getTopic(), e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return false;
        }
    }

    @Override
    public void removeOffset(MessageQueue mq) {
        offsets.removeOffset(mq);
    }

    @Override
    public Map<MessageQueue, Long> cloneOffsetTable(String topic) {
        return offsets.cloneOffsetTable(topic);
    }

    /** Writes {@code offset} and waits for the broker's answer, one-way or not. */
    @Override
    public void updateConsumeOffsetToBroker(MessageQueue mq, long offset, boolean isOneway)
            throws RemotingException, MQBrokerException, InterruptedException, MQClientException {
        synchronized (writes) {
            offsets.updateConsumeOffsetToBroker(mq, offset, false);
        }
    }
}
