/**
 * Polybus for Spring Boot: {@code polybus.broker.*} becomes a {@link io.polybus.Broker} bean (and a
 * {@link io.polybus.Producer} bean); {@link io.polybus.spring.PolybusListener} methods and
 * {@link io.polybus.spring.PolybusSubscription} beans are subscribed when the context starts and closed, in
 * reverse order, when it stops. See docs/spring-boot.md.
 */
package io.polybus.spring;
