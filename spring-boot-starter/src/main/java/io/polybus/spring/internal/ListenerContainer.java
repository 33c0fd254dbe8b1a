package io.polybus.spring.internal;

import io.polybus.Broker;
import io.polybus.Consumer;
import io.polybus.spring.PolybusListener;
import io.polybus.spring.PolybusSubscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.aop.support.AopUtils;
import org.springframework.beans.BeansException;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.context.EnvironmentAware;
import org.springframework.context.SmartLifecycle;
import org.springframework.core.MethodIntrospector;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.annotation.AnnotationUtils;
import org.springframework.core.env.Environment;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Finds {@link PolybusListener} methods as beans are made, and subscribes them and every
 * {@link PolybusSubscription} bean when the context starts; stops in reverse order when it stops, each
 * {@link Consumer#close()} letting its running handlers finish (within its close timeout). Runs in a late
 * phase, so that it starts after and stops before the beans that its handlers call.
 */
public final class ListenerContainer implements BeanPostProcessor, SmartLifecycle, BeanFactoryAware, EnvironmentAware {
    private static final Logger log = LoggerFactory.getLogger(ListenerContainer.class);
    /** As Spring's own message listener containers: after most beans on start, before them on stop. */
    static final int PHASE = Integer.MAX_VALUE - 100;

    private final List<PolybusSubscription> annotated = new CopyOnWriteArrayList<>();
    private final List<Running> running = new ArrayList<>();
    private boolean started;
    private BeanFactory beanFactory;
    private Environment environment;

    /** A subscription and its open consumer. */
    public record Running(PolybusSubscription subscription, Consumer consumer) {
    }

    @Override
    public void setBeanFactory(BeanFactory beanFactory) {
        this.beanFactory = beanFactory;
    }

    @Override
    public void setEnvironment(Environment environment) {
        this.environment = environment;
    }

    @Override
    public Object postProcessAfterInitialization(Object bean, String beanName) throws BeansException {
        Class<?> type = AopUtils.getTargetClass(bean);
        if (!AnnotationUtils.isCandidateClass(type, PolybusListener.class)) {
            return bean;
        }
        Map<Method, PolybusListener> methods = MethodIntrospector.selectMethods(type,
                (MethodIntrospector.MetadataLookup<PolybusListener>) m -> AnnotatedElementUtils.findMergedAnnotation(m, PolybusListener.class));
        methods.forEach((method, listener) -> annotated.add(ListenerMethods.subscription(bean, beanName,
                AopUtils.selectInvocableMethod(method, bean.getClass()), listener, environment)));
        return bean;
    }

    @Override
    public synchronized void start() {
        if (started) {
            return;
        }
        started = true;
        Broker broker = beanFactory.getBean(Broker.class);
        List<PolybusSubscription> all = new ArrayList<>();
        beanFactory.getBeanProvider(PolybusSubscription.class).orderedStream().forEach(all::add);
        all.addAll(annotated);
        for (PolybusSubscription s : all) {
            try {
                running.add(new Running(s, s.subscribe(broker)));
            } catch (RuntimeException e) {
                stop();
                throw e;
            }
            log.info("polybus: subscribed {}", s);
        }
    }

    @Override
    public synchronized void stop() {
        for (int i = running.size() - 1; i >= 0; i--) {
            Running r = running.get(i);
            r.consumer().close();
            log.info("polybus: closed {}", r.subscription());
        }
        running.clear();
        started = false;
    }

    @Override
    public synchronized boolean isRunning() {
        return started;
    }

    /** The consumers open now, in the order they were subscribed. */
    public synchronized List<Running> running() {
        return List.copyOf(running);
    }

    @Override
    public int getPhase() {
        return PHASE;
    }
}
