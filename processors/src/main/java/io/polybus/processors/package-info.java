/**
 * Processors that enrich events from data of their own, kept out of the agent so that it runs without their
 * libraries: {@code user-agent} (browser, version, OS and device, with ua-parser's patterns) and {@code geoip}
 * (country, city, location and autonomous system, from MaxMind {@code .mmdb} databases the user supplies). They are
 * plug-ins like a third party's: {@code io.polybus.events.ProcessorProvider}s listed in this jar's
 * {@code META-INF/services}, found by the agent on its class path (the command line puts this jar there).
 */
package io.polybus.processors;
