package io.polybus.artemis.internal;

import org.apache.activemq.artemis.api.core.ActiveMQException;
import org.apache.activemq.artemis.api.core.ActiveMQExceptionType;
import org.apache.activemq.artemis.api.core.client.ClientSession;
import org.apache.activemq.artemis.api.core.client.ClientSessionFactory;
import org.apache.activemq.artemis.api.core.client.SessionFailureListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.Consumer;

/**
 * One connection to Artemis (a session factory) with one session on it, owned by one producer, consumer or side
 * sender. It never reconnects: once the connection fails the link is dead, its owner is told and opens a new
 * one, so that a lost connection fails exactly what it took with it.
 */
final class Link implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Link.class);

    final ClientSessionFactory factory;
    final ClientSession session;
    private volatile ActiveMQException failure;

    private Link(ClientSessionFactory factory, ClientSession session) {
        this.factory = factory;
        this.session = session;
    }

    /**
     * Connects and opens a non-transacted session (sends and acknowledgements take effect without a commit).
     *
     * @param onFailure called once, on a client thread, when the connection fails
     * @throws ActiveMQException when the broker cannot be reached or refuses the credentials
     */
    static Link open(ArtemisBroker broker, Consumer<ActiveMQException> onFailure) throws ActiveMQException {
        ClientSessionFactory factory;
        try {
            factory = broker.locator().createSessionFactory();
        } catch (ActiveMQException e) {
            throw e;
        } catch (Exception e) {
            throw new ActiveMQException(e.toString(), e, ActiveMQExceptionType.NOT_CONNECTED);
        }
        try {
            ArtemisSettings s = broker.settings;
            ClientSession session = factory.createSession(s.username, s.password == null ? null : s.password.value(),
                    false, true, true, false, broker.locator().getAckBatchSize());
            Link link = new Link(factory, session);
            session.addFailureListener(new SessionFailureListener() {
                @Override
                public void beforeReconnect(ActiveMQException exception) {
                    // Reconnection is off (ArtemisSettings.locator): there is no "before".
                }

                @Override
                public void connectionFailed(ActiveMQException exception, boolean failedOver) {
                    link.failed(exception, onFailure);
                }

                @Override
                public void connectionFailed(ActiveMQException exception, boolean failedOver, String scaleDownTargetNodeID) {
                    link.failed(exception, onFailure);
                }
            });
            return link;
        } catch (ActiveMQException | RuntimeException e) {
            factory.close();
            throw e;
        }
    }

    private void failed(ActiveMQException exception, Consumer<ActiveMQException> onFailure) {
        if (failure == null) {
            failure = exception;
            onFailure.accept(exception);
        }
    }

    /** Marks the link dead without a connection failure, e.g. after an operation on it failed. */
    void kill(ActiveMQException cause) {
        if (failure == null) {
            failure = cause;
        }
    }

    /** Whether the connection failed or the session is closed; a dead link is replaced, never reused. */
    boolean isDead() {
        return failure != null || session.isClosed() || factory.isClosed();
    }

    /**
     * Closes the session (the broker redelivers what it delivered and nobody acknowledged) and the connection. A
     * dead link only drops its connection: closing its session would wait for a broker that is not there.
     */
    @Override
    public void close() {
        try {
            if (failure == null && !session.isClosed()) {
                session.close();
            }
        } catch (ActiveMQException | RuntimeException e) {
            log.debug("closing a session failed: {}", e.toString());
        } finally {
            factory.close();
        }
    }
}
