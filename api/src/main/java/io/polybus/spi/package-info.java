/**
 * What broker modules implement and share: {@link io.polybus.spi.BrokerProvider} (found by
 * {@link java.util.ServiceLoader}), {@link io.polybus.spi.ConfigDef} (every configuration key of a broker or a
 * component, defined once) and the mechanics every broker uses alike (settling, in-flight bounds, prefetch,
 * ordered workers).
 */
package io.polybus.spi;
