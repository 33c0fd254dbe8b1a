/**
 * What the Logback and Log4j2 appenders share, for any logging framework: an {@link io.polybus.appender.EventPublisher}
 * takes events (as event JSON, written by an {@link io.polybus.appender.EventEncoder}) on the caller's thread into a
 * bounded queue and sends them from one background thread to any Polybus broker; when the queue is full it applies
 * the {@link io.polybus.appender.OverflowPolicy}; what the broker cannot take yet waits in a spool directory and is
 * delivered in order when the broker is back. The {@link io.polybus.appender.RecursionGuard} keeps the broker
 * clients' own logging out of the appender.
 */
package io.polybus.appender;
