package io.polybus;

import java.util.Set;

/**
 * A broker provider found on the class path.
 *
 * @param type         the value of {@code type} that selects it
 * @param description  one line for people
 * @param capabilities what it can promise with its default configuration
 */
public record BrokerInfo(String type, String description, Set<Capability> capabilities) {
}
