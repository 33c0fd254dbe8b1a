package io.polybus.kafka.internal;

import io.polybus.AuthenticationException;
import io.polybus.BrokerUnavailableException;
import io.polybus.MessageTooLargeException;
import io.polybus.PolybusException;
import io.polybus.RetriableException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** Translates kafka-clients exceptions into Polybus ones at the module boundary, keeping the cause. */
final class Errors {
    private Errors() {
    }

    /**
     * @param servers the bootstrap servers, named in unavailability errors
     * @param what    what was being done, e.g. "send to topic 'orders'"
     */
    static PolybusException translate(Throwable e, String servers, String what) {
        Throwable t = unwrap(e);
        if (t instanceof PolybusException p) {
            return p;
        }
        if (t instanceof org.apache.kafka.common.errors.AuthenticationException) {
            return new AuthenticationException("Kafka at " + servers + " refused the credentials (" + what + "): "
                    + t.getMessage(), t);
        }
        if (t instanceof AuthorizationException) {
            return new PolybusException("not authorised to " + what + " on Kafka at " + servers + ": " + t.getMessage(), t);
        }
        if (t instanceof TimeoutException || t instanceof java.util.concurrent.TimeoutException) {
            return new BrokerUnavailableException("no answer from Kafka at " + servers + " in time to " + what
                    + (t.getMessage() == null ? "" : ": " + t.getMessage()), t);
        }
        if (t instanceof InterruptException || t instanceof InterruptedException) {
            Thread.currentThread().interrupt();
            return new PolybusException("interrupted while trying to " + what, t);
        }
        if (t instanceof org.apache.kafka.common.errors.RetriableException) {
            return new RetriableException("Kafka at " + servers + " could not " + what + " for now: " + t.getMessage(), t);
        }
        return new PolybusException("Kafka at " + servers + " could not " + what + ": " + t.getMessage(), t);
    }

    /** A record the producer or the broker refused as too large. */
    static MessageTooLargeException tooLarge(RecordTooLargeException e, String topic, long size, long limit) {
        return new MessageTooLargeException("message of about " + size + " bytes for topic '" + topic
                + "' exceeds the limit of " + limit + " bytes (max-message-bytes, or the topic's max.message.bytes): "
                + e.getMessage(), size, limit, e);
    }

    static Throwable unwrap(Throwable e) {
        Throwable t = e;
        while ((t instanceof ExecutionException || t instanceof CompletionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
