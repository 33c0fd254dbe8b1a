/**
 * The messaging API: {@link io.polybus.Producer}, {@link io.polybus.Consumer} and {@link io.polybus.Acknowledgement}
 * over any broker, opened by configuration alone with {@link io.polybus.Brokers#open}; messages, options,
 * capabilities, {@link io.polybus.Config} and one exception tree with a retriable branch. The promises every broker
 * keeps are in docs/contract.md.
 */
package io.polybus;
