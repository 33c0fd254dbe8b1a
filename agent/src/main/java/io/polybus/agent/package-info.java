/**
 * Log collection: the {@link io.polybus.agent.Agent} reads its {@link io.polybus.agent.Source}s, runs each event
 * through the source's processors and ships it at least once to the broker, checkpointing what the broker
 * acknowledged. Sources are plug-ins ({@link io.polybus.agent.SourceProvider}, found by
 * {@link java.util.ServiceLoader}); the built-in file, stdin, syslog and host-metrics sources are registered the
 * same way. Configuration: {@link io.polybus.agent.AgentConfig}.
 */
package io.polybus.agent;
