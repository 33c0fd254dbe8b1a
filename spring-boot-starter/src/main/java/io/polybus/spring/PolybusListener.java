package io.polybus.spring;

import io.polybus.AckMode;
import io.polybus.Outcome;
import io.polybus.StartPosition;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Subscribes a bean method to a topic as a group, from the start of the application context until it stops.
 * The method takes one parameter:
 * <ul>
 *   <li>{@link io.polybus.Delivery}: one delivery per call;</li>
 *   <li>{@link io.polybus.Message}: one message per call, settled by {@link #ackMode()} and {@link #onHandlerError()};</li>
 *   <li>{@code List<Delivery>}: a batch per call, of at most {@link #batchSize()} deliveries, handed over at the
 *       latest {@link #batchWaitMs()} after its first ({@link io.polybus.BatchHandler}).</li>
 * </ul>
 * The string attributes accept {@code ${...}} placeholders from the environment. A method with another
 * signature fails the start of the context, naming the bean and the method.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface PolybusListener {

    /** The topic to read. */
    String topic();

    /** The group to read it as. */
    String group();

    /** Handler threads (per key, still one delivery at a time). */
    int concurrency() default 1;

    /** Unsettled deliveries the consumer holds at most. */
    int prefetch() default 256;

    /** {@link AckMode#AUTO} (the default here) acks what the method returned from without settling. */
    AckMode ackMode() default AckMode.AUTO;

    /** {@link Outcome#REQUEUE} or {@link Outcome#REJECT}: what a thrown exception does to unsettled deliveries. */
    Outcome onHandlerError() default Outcome.REQUEUE;

    /** Attempts after which a requeued message is dead-lettered. */
    int maxDeliveries() default 5;

    /** The dead-letter topic; empty for {@code <topic>.dlq}. */
    String deadLetterTopic() default "";

    /** Drop (and count) rejected and exhausted messages instead of dead-lettering them. */
    boolean noDeadLetter() default false;

    /**
     * How long requeued deliveries (and those whose method threw, with {@link Outcome#REQUEUE}) wait before the next
     * attempt: {@code "<initial>, <multiplier>, <max>"} ({@code "1s, 2, 1m"}: 1 s, 2 s, 4 s, ... at most a minute) or
     * one fixed delay ({@code "500ms"}), durations as Spring writes them ({@code 500ms}, {@code 1s}, {@code PT1M});
     * empty (the default) redelivers at once. Mapped onto {@link io.polybus.ConsumerOptions.Builder#retryBackoff}:
     * the broker must declare {@link io.polybus.Capability#DELAYED_REQUEUE}, or the start fails naming it.
     */
    String retryBackoff() default "";

    /** Where a group that does not exist yet starts. */
    StartPosition startFrom() default StartPosition.LATEST;

    /** For a {@code List<Delivery>} parameter: the most deliveries per call (at most {@link #prefetch()}). */
    int batchSize() default 100;

    /** For a {@code List<Delivery>} parameter: how long after its first delivery a batch is handed over. */
    long batchWaitMs() default 1000;
}
