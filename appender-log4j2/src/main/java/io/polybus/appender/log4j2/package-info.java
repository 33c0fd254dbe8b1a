/**
 * The Log4j2 appender: {@link io.polybus.appender.log4j2.PolybusAppender}, the {@code <Polybus>} element of
 * {@code log4j2.xml}.
 */
package io.polybus.appender.log4j2;
