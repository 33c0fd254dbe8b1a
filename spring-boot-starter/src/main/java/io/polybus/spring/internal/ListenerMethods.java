package io.polybus.spring.internal;

import io.polybus.BatchOptions;
import io.polybus.ConsumerOptions;
import io.polybus.Delivery;
import io.polybus.Message;
import io.polybus.spring.PolybusListener;
import io.polybus.spring.PolybusSubscription;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.core.ResolvableType;
import org.springframework.core.env.PropertyResolver;
import org.springframework.util.ReflectionUtils;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.List;

/** Turns a {@link PolybusListener} method into a {@link PolybusSubscription}. */
final class ListenerMethods {
    private ListenerMethods() {
    }

    /**
     * @throws IllegalStateException naming the bean and the method when its parameter is not one of the accepted
     *                               types, or an attribute is out of range
     */
    static PolybusSubscription subscription(Object bean, String beanName, Method method, PolybusListener listener,
                                            PropertyResolver placeholders) {
        String where = "@PolybusListener method " + method.getName() + " of bean '" + beanName + "'";
        ReflectionUtils.makeAccessible(method);
        try {
            ConsumerOptions options = options(listener, placeholders);
            if (method.getParameterCount() == 1) {
                Class<?> type = method.getParameterTypes()[0];
                if (type == Delivery.class) {
                    return PolybusSubscription.of(options, delivery -> invoke(bean, method, delivery));
                }
                if (type == Message.class) {
                    return PolybusSubscription.of(options, delivery -> invoke(bean, method, delivery.message()));
                }
                if (type == List.class && ResolvableType.forMethodParameter(method, 0).getGeneric(0).resolve() == Delivery.class) {
                    BatchOptions batch = BatchOptions.of(listener.batchSize(), Duration.ofMillis(listener.batchWaitMs()));
                    return PolybusSubscription.ofBatches(options, batch, deliveries -> invoke(bean, method, deliveries));
                }
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(where + ": " + e.getMessage(), e);
        }
        throw new IllegalStateException(where + " must take one parameter: Delivery, Message or List<Delivery>");
    }

    private static ConsumerOptions options(PolybusListener listener, PropertyResolver placeholders) {
        ConsumerOptions.Builder b = ConsumerOptions.builder(placeholders.resolveRequiredPlaceholders(listener.topic()),
                        placeholders.resolveRequiredPlaceholders(listener.group()))
                .concurrency(listener.concurrency())
                .prefetch(listener.prefetch())
                .ackMode(listener.ackMode())
                .onHandlerError(listener.onHandlerError())
                .maxDeliveries(listener.maxDeliveries())
                .startFrom(listener.startFrom());
        String backoff = placeholders.resolveRequiredPlaceholders(listener.retryBackoff()).strip();
        if (!backoff.isEmpty()) {
            retryBackoff(b, backoff);
        }
        String deadLetterTopic = placeholders.resolveRequiredPlaceholders(listener.deadLetterTopic());
        if (listener.noDeadLetter()) {
            b.noDeadLetter();
        } else if (!deadLetterTopic.isEmpty()) {
            b.deadLetterTopic(deadLetterTopic);
        }
        return b.build();
    }

    /**
     * Sets the back-off {@code "<initial>, <multiplier>, <max>"}, or a fixed delay {@code "<delay>"}.
     *
     * @throws IllegalArgumentException naming the attribute and the value when it is neither
     */
    private static void retryBackoff(ConsumerOptions.Builder b, String value) {
        String[] parts = value.split(",");
        try {
            if (parts.length == 1) {
                Duration delay = DurationStyle.detectAndParse(parts[0].strip());
                b.retryBackoff(delay, 1, delay);
                return;
            }
            if (parts.length == 3) {
                b.retryBackoff(DurationStyle.detectAndParse(parts[0].strip()), Double.parseDouble(parts[1].strip()),
                        DurationStyle.detectAndParse(parts[2].strip()));
                return;
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("retryBackoff '" + value + "': " + e.getMessage(), e);
        }
        throw new IllegalArgumentException("retryBackoff '" + value + "': expected \"<initial>, <multiplier>, <max>\" "
                + "(e.g. \"1s, 2, 1m\") or one delay (e.g. \"500ms\")");
    }

    /** Calls the method, letting what it threw reach the consumer, which settles by {@code onHandlerError}. */
    private static void invoke(Object bean, Method method, Object argument) throws Exception {
        try {
            method.invoke(bean, argument);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw e;
        }
    }
}
