/**
 * The broker contract as one JUnit 5 suite, {@link io.polybus.testkit.BrokerConformanceSuite}: every broker module
 * extends it once against its real broker.
 */
package io.polybus.testkit;
