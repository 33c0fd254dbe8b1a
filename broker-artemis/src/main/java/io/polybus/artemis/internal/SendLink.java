package io.polybus.artemis.internal;

import io.polybus.PolybusException;
import io.polybus.Receipt;
import org.apache.activemq.artemis.api.core.ActiveMQException;
import org.apache.activemq.artemis.api.core.Message;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.api.core.client.ClientMessage;
import org.apache.activemq.artemis.api.core.client.ClientProducer;
import org.apache.activemq.artemis.api.core.client.SendAcknowledgementHandler;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Function;

/**
 * A {@link Link} with an anonymous producer, and the sends on it that Artemis has not acknowledged yet. A send
 * completes when the broker's acknowledgement arrives, which for a durable message is after its journal write;
 * it fails when the broker refuses it, and when the connection fails first. Acknowledgements arrive
 * asynchronously (the locator's confirmation window): no round trip per message.
 *
 * <p>Threading: {@link #send} must be called by one thread at a time (a core session is single-threaded; the
 * owner serialises it). Acknowledgements and failures arrive on the client's threads; they never block.
 */
final class SendLink implements AutoCloseable {
    /** Called once per send when its outcome is known, with the bytes it held. */
    interface Settled {
        void settled(long bytes);
    }

    /** One send awaiting the broker's answer; completes its future once, whichever answer comes first. */
    static final class Pending implements SendAcknowledgementHandler {
        private static final VarHandle DONE;

        static {
            try {
                DONE = MethodHandles.lookup().findVarHandle(Pending.class, "done", boolean.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        final CompletableFuture<Receipt> future = new CompletableFuture<>();
        private final Receipt receipt;
        private final long bytes;
        private final String what;
        private SendLink owner;
        private volatile boolean done;

        Pending(Receipt receipt, long bytes, String what) {
            this.receipt = receipt;
            this.bytes = bytes;
            this.what = what;
        }

        @Override
        public void sendAcknowledged(Message message) {
            if (finish()) {
                future.complete(receipt);
            }
        }

        @Override
        public void sendFailed(Message message, Exception e) {
            fail(owner.errors.apply(e));
        }

        void fail(PolybusException cause) {
            if (finish()) {
                future.completeExceptionally(cause);
            }
        }

        private boolean finish() {
            if (!DONE.compareAndSet(this, false, true)) {
                return false;
            }
            owner.settled.settled(bytes);
            return true;
        }

        String what() {
            return what;
        }
    }

    final Link link;
    private final ClientProducer producer;
    private final Settled settled;
    private final Function<Exception, PolybusException> errors;
    /**
     * The sends in the order they were made, for {@link #failAll}. Artemis confirms sends in that order, so
     * {@link #send} drops the answered ones from the head: an append and a few polls per send, where a concurrent
     * set hashed every send and contended with the client's thread that answers them. Answered sends behind an
     * unanswered one stay until it is answered; the in-flight bound of the owner bounds them.
     */
    private final ConcurrentLinkedQueue<Pending> pending = new ConcurrentLinkedQueue<>();
    private volatile PolybusException dead;

    private SendLink(Link link, ClientProducer producer, Settled settled, Function<Exception, PolybusException> errors) {
        this.link = link;
        this.producer = producer;
        this.settled = settled;
        this.errors = errors;
    }

    /**
     * Connects and opens a session with an anonymous producer.
     *
     * @param errors turns a failure (a refused send, or the connection's failure) into the exception its sends fail with
     */
    static SendLink open(ArtemisBroker broker, Settled settled, Function<Exception, PolybusException> errors)
            throws ActiveMQException {
        SendLink[] self = new SendLink[1];
        Link link = Link.open(broker, cause -> {
            SendLink s = self[0];
            if (s != null) {
                s.failAll(errors.apply(cause));
            }
        });
        try {
            self[0] = new SendLink(link, link.session.createProducer(), settled, errors);
            return self[0];
        } catch (ActiveMQException | RuntimeException e) {
            link.close();
            throw e;
        }
    }

    boolean isDead() {
        return dead != null || link.isDead();
    }

    /**
     * Sends {@code message} to {@code address}; {@code p} completes on the broker's answer. A send the client
     * refuses at once (the session is closed or the connection gone) fails {@code p} rather than throwing.
     */
    void send(SimpleString address, ClientMessage message, Pending p) {
        p.owner = this;
        Pending head;
        while ((head = pending.peek()) != null && head.done) {
            pending.poll();
        }
        pending.add(p);
        try {
            producer.send(address, message, p);
        } catch (ActiveMQException | RuntimeException e) {
            PolybusException cause = dead != null ? dead : errors.apply(e);
            if (e instanceof ActiveMQException a) {
                link.kill(a);
            }
            p.fail(cause);
            return;
        }
        PolybusException d = dead;
        if (d != null) {
            // The connection failed while this was sent: the failure listener may have missed it.
            p.fail(d);
        }
    }

    /** Fails every send still waiting, e.g. when the owner closes before the broker answered. */
    void failAll(PolybusException cause) {
        if (dead == null) {
            dead = cause;
        }
        for (Pending p : pending) {
            p.fail(cause);
        }
    }

    @Override
    public void close() {
        link.close();
    }
}
