package io.polybus.rocketmq.internal;

import io.micrometer.core.instrument.MeterRegistry;
import io.polybus.AuthenticationException;
import io.polybus.Broker;
import io.polybus.BrokerUnavailableException;
import io.polybus.Capability;
import io.polybus.Consumer;
import io.polybus.ConsumerOptions;
import io.polybus.DeliveryHandler;
import io.polybus.PolybusException;
import io.polybus.Producer;
import io.polybus.ProducerOptions;
import io.polybus.spi.DeliveryCounters;
import org.apache.rocketmq.client.exception.MQBrokerException;
import org.apache.rocketmq.client.exception.MQClientException;
import org.apache.rocketmq.client.impl.MQClientAPIImpl;
import org.apache.rocketmq.client.impl.factory.MQClientInstance;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.common.message.MessageQueue;
import org.apache.rocketmq.common.topic.TopicValidator;
import org.apache.rocketmq.remoting.exception.RemotingException;
import org.apache.rocketmq.remoting.protocol.ResponseCode;
import org.apache.rocketmq.remoting.protocol.body.ClusterInfo;
import org.apache.rocketmq.remoting.protocol.header.QueryConsumerOffsetRequestHeader;
import org.apache.rocketmq.remoting.protocol.header.UpdateConsumerOffsetRequestHeader;
import org.apache.rocketmq.remoting.protocol.heartbeat.HeartbeatData;
import org.apache.rocketmq.remoting.protocol.route.BrokerData;
import org.apache.rocketmq.remoting.protocol.subscription.SubscriptionGroupConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The entry point of one configured RocketMQ: an administrative client (a producer of its own, which also sends
 * the consumers' dead letters and delayed requeues) that checks the name server at open, creates topics and sets a new group's
 * starting offsets. Each producer and each consumer has a client instance of its own.
 */
public final class RocketMqBroker implements Broker {
    private static final Logger log = LoggerFactory.getLogger(RocketMqBroker.class);

    final RocketMqSettings settings;
    private final MeterRegistry meters;
    private final DefaultMQProducer admin;
    private final AtomicBoolean closed = new AtomicBoolean();

    private RocketMqBroker(RocketMqSettings settings, MeterRegistry meters, DefaultMQProducer admin) {
        this.settings = settings;
        this.meters = meters;
        this.admin = admin;
    }

    /**
     * Starts the administrative client and asks the name server for the cluster.
     *
     * @throws BrokerUnavailableException naming the name server when it does not answer or knows no broker
     * @throws AuthenticationException    naming the broker that refused the credentials
     */
    public static RocketMqBroker open(RocketMqSettings settings, MeterRegistry meters) {
        DefaultMQProducer admin = newProducer(settings, "polybus-admin");
        RocketMqBroker broker = new RocketMqBroker(settings, meters, admin);
        try {
            admin.start();
            ClusterInfo cluster = broker.api().getBrokerClusterInfo(settings.callTimeout.toMillis());
            if (cluster.getBrokerAddrTable() == null || cluster.getBrokerAddrTable().isEmpty()) {
                throw new BrokerUnavailableException("the RocketMQ name server at " + settings.nameServer
                        + " knows no broker yet");
            }
            broker.checkCredentials(cluster);
            log.debug("connected to RocketMQ name server {}: brokers {}", settings.nameServer,
                    cluster.getBrokerAddrTable().keySet());
        } catch (MQClientException | RemotingException | MQBrokerException | RuntimeException e) {
            admin.shutdown();
            throw e instanceof PolybusException p ? p : broker.unavailable("connecting", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            admin.shutdown();
            throw broker.unavailable("connecting", e);
        }
        return broker;
    }

    /**
     * Sends an empty heartbeat, which every broker authenticates (the name server does not), to each broker of the
     * cluster, so that refused credentials fail open rather than the first send.
     *
     * @throws AuthenticationException naming the broker that refused them
     */
    private void checkCredentials(ClusterInfo cluster)
            throws RemotingException, MQBrokerException, InterruptedException {
        HeartbeatData heartbeat = new HeartbeatData();
        heartbeat.setClientID(client().getClientId());
        for (BrokerData data : cluster.getBrokerAddrTable().values()) {
            for (String address : data.getBrokerAddrs().values()) {
                try {
                    api().sendHeartbeat(address, heartbeat, settings.callTimeout.toMillis());
                } catch (MQBrokerException e) {
                    if (e.getResponseCode() == ResponseCode.NO_PERMISSION) {
                        throw refused(address, e);
                    }
                    throw e;
                }
            }
        }
    }

    /** The broker at {@code address} refused this client's credentials (or their absence). */
    private AuthenticationException refused(String address, MQBrokerException e) {
        return new AuthenticationException("RocketMQ broker at " + address + " (name server " + settings.nameServer
                + ") refused " + who("the credentials of ") + ": " + e.getErrorMessage(), e);
    }

    /** Whom a broker refused: the access key (after {@code keyPrefix}), or a client without credentials. */
    private String who(String keyPrefix) {
        return settings.accessKey == null ? "a client without credentials (set access-key and secret-key)"
                : keyPrefix + "access key '" + settings.accessKey + "'";
    }

    /**
     * {@code cause} of a failed {@code doing} translated: a broker's refusal (no permission, for these credentials
     * or none) as an {@link AuthenticationException} naming the access key, anything else as unavailable.
     */
    PolybusException failed(String doing, Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            // Sends and offsets answer with a broker exception; creating topics and groups with a client exception.
            String reason = t instanceof MQBrokerException b && b.getResponseCode() == ResponseCode.NO_PERMISSION
                    ? b.getErrorMessage()
                    : t instanceof MQClientException c && c.getResponseCode() == ResponseCode.NO_PERMISSION
                    ? c.getErrorMessage() : null;
            if (reason != null) {
                String address = t instanceof MQBrokerException b ? b.getBrokerAddr() : null;
                return new AuthenticationException("RocketMQ broker" + (address == null ? "" : " at " + address)
                        + " (name server " + settings.nameServer + ") refused " + who("") + " " + doing + ": " + reason,
                        cause);
            }
        }
        return unavailable(doing, cause);
    }

    /** A producer client with an instance of its own (its own connections and threads). */
    static DefaultMQProducer newProducer(RocketMqSettings settings, String role) {
        String name = role + "-" + UUID.randomUUID();
        DefaultMQProducer p = new DefaultMQProducer(name, settings.credentials);
        p.setNamesrvAddr(settings.nameServer);
        p.setInstanceName(name);
        p.setSendMsgTimeout((int) Math.min(Integer.MAX_VALUE, settings.sendTimeout.toMillis()));
        // The client's own check; Polybus checks max-message-bytes (key and headers included) before it.
        p.setMaxMessageSize((int) Math.min(Integer.MAX_VALUE - 1024, settings.maxMessageBytes + 64 * 1024));
        p.setDefaultTopicQueueNums(settings.queues);
        settings.apply(p);
        return p;
    }

    PolybusException unavailable(String doing, Throwable cause) {
        return new BrokerUnavailableException("RocketMQ (name server " + settings.nameServer + ") failed " + doing + ": "
                + cause.getMessage(), cause);
    }

    private MQClientInstance client() {
        return admin.getDefaultMQProducerImpl().getMqClientFactory();
    }

    private MQClientAPIImpl api() {
        return client().getMQClientAPIImpl();
    }

    /** The client that sends the consumers' dead letters and delayed requeues. */
    DefaultMQProducer sideProducer() {
        return admin;
    }

    @Override
    public String type() {
        return RocketMqSettings.TYPE;
    }

    @Override
    public Set<Capability> capabilities() {
        return RocketMqSettings.CAPABILITIES;
    }

    @Override
    public long maxMessageBytes() {
        return settings.maxMessageBytes;
    }

    @Override
    public Producer producer(ProducerOptions options) {
        return new RocketMqProducer(this, options);
    }

    @Override
    public Consumer subscribe(ConsumerOptions options, DeliveryHandler handler) {
        DeliveryCounters counters = DeliveryCounters.register(meters, RocketMqSettings.TYPE, options.topic(), options.group());
        return RocketMqConsumer.start(this, options, handler, counters);
    }

    /**
     * The queues of {@code topic}, creating it first with {@code queues} queues when it is missing and auto-create
     * is on.
     */
    List<MessageQueue> ensureTopic(String topic) throws MQClientException, InterruptedException {
        try {
            return queues(topic);
        } catch (MQClientException missing) {
            if (!settings.autoCreate) {
                throw new PolybusException("topic '" + topic + "' does not exist on RocketMQ (name server "
                        + settings.nameServer + "); with auto-create=false create it first", missing);
            }
        }
        admin.createTopic(TopicValidator.AUTO_CREATE_TOPIC_KEY_TOPIC, topic, settings.queues, null);
        // The broker registers the new topic with the name server at once; wait (bounded) until it is there.
        long deadline = System.nanoTime() + settings.callTimeout.toNanos();
        while (true) {
            try {
                return queues(topic);
            } catch (MQClientException notYet) {
                if (System.nanoTime() > deadline) {
                    throw notYet;
                }
                TimeUnit.MILLISECONDS.sleep(50);
            }
        }
    }

    private List<MessageQueue> queues(String topic) throws MQClientException {
        List<MessageQueue> queues = admin.fetchPublishMessageQueues(topic);
        client().updateTopicRouteInfoFromNameServer(topic);
        return queues;
    }

    /**
     * Declares {@code group} and gives it a consumed offset at the end of each queue of {@code topic} that has none
     * yet (every queue, with {@code reset}), so that the group receives exactly what is published from now on (a
     * group without offsets would start at the first offset of a queue whose messages are still in the broker's
     * memory). With {@code earliest} a queue without an offset is left to start at its first retained message.
     *
     * @return the queues with messages for the group to catch up on, and the offset that ends their backlog
     */
    Map<MessageQueue, Long> prepareGroup(String topic, String group, List<MessageQueue> queues, boolean earliest,
                                         boolean reset)
            throws MQClientException, RemotingException, MQBrokerException, InterruptedException {
        long timeout = settings.callTimeout.toMillis();
        Set<String> declared = new HashSet<>();
        Map<MessageQueue, Long> backlog = new HashMap<>();
        for (MessageQueue mq : queues) {
            String address = client().findBrokerAddressInPublish(mq.getBrokerName());
            if (address == null) {
                throw new MQClientException("no address for broker " + mq.getBrokerName(), null);
            }
            if (settings.autoCreate && declared.add(address)) {
                // The broker keeps offsets only for a group it knows (it would learn of it at the first heartbeat).
                SubscriptionGroupConfig config = new SubscriptionGroupConfig();
                config.setGroupName(group);
                api().createSubscriptionGroup(address, config, timeout);
            }
            long end = admin.maxOffset(mq);
            long committed = reset ? -1 : committedOffset(address, group, mq, timeout);
            if (committed < 0 && earliest) {
                if (admin.minOffset(mq) < end) {
                    backlog.put(mq, end);
                }
            } else if (committed < 0) {
                UpdateConsumerOffsetRequestHeader update = new UpdateConsumerOffsetRequestHeader();
                update.setConsumerGroup(group);
                update.setTopic(topic);
                update.setQueueId(mq.getQueueId());
                update.setCommitOffset(end);
                api().updateConsumerOffset(address, update, timeout);
            } else if (committed < end) {
                backlog.put(mq, end);
            }
        }
        return backlog;
    }

    /** The group's committed offset of {@code mq}, or -1 when it has none. */
    private long committedOffset(String address, String group, MessageQueue mq, long timeout)
            throws RemotingException, MQBrokerException, InterruptedException {
        QueryConsumerOffsetRequestHeader query = new QueryConsumerOffsetRequestHeader();
        query.setConsumerGroup(group);
        query.setTopic(mq.getTopic());
        query.setQueueId(mq.getQueueId());
        query.setSetZeroIfNotFound(false);
        try {
            return api().queryConsumerOffset(address, query, timeout);
        } catch (MQBrokerException e) {
            if (e.getResponseCode() == ResponseCode.QUERY_NOT_FOUND) {
                return -1;
            }
            throw e;
        }
    }

    /** Removes an ephemeral group's subscription and offsets from the brokers of {@code queues}. */
    void deleteGroup(String group, List<MessageQueue> queues) {
        queues.stream().map(MessageQueue::getBrokerName).distinct().forEach(name -> {
            String address = client().findBrokerAddressInPublish(name);
            try {
                if (address != null) {
                    api().deleteSubscriptionGroup(address, group, true, settings.callTimeout.toMillis());
                }
            } catch (RemotingException | MQClientException e) {
                log.warn("could not delete the ephemeral consumer group '{}' on RocketMQ broker {}: {}", group, name,
                        e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    /** Deletes {@code topic} (an ephemeral group's delay topic) from the brokers of {@code queues} and the name servers. */
    void deleteTopic(String topic, List<MessageQueue> queues) {
        long timeout = settings.callTimeout.toMillis();
        try {
            for (String name : queues.stream().map(MessageQueue::getBrokerName).distinct().toList()) {
                String address = client().findBrokerAddressInPublish(name);
                if (address != null) {
                    api().deleteTopicInBroker(address, topic, timeout);
                }
            }
            for (String nameServer : api().getNameServerAddressList()) {
                api().deleteTopicInNameServer(nameServer, topic, timeout);
            }
        } catch (RemotingException | MQClientException e) {
            log.warn("could not delete topic '{}' of an ephemeral consumer group on RocketMQ: {}", topic, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            admin.shutdown();
        }
    }
}
