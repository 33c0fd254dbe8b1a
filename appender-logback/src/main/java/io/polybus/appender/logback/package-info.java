/**
 * The Logback appender: {@link io.polybus.appender.logback.PolybusAppender}, configured in {@code logback.xml}.
 */
package io.polybus.appender.logback;
