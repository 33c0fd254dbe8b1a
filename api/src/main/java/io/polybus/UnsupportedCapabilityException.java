package io.polybus;

import java.util.Set;

/** Producer or consumer options required capabilities that the configured broker does not have. */
public class UnsupportedCapabilityException extends PolybusException {
    private static final long serialVersionUID = 1L;
    private final String brokerType;
    private final Set<Capability> missing;

    public UnsupportedCapabilityException(String brokerType, Set<Capability> missing, Set<Capability> available) {
        super("broker '" + brokerType + "' lacks required capabilities " + missing + " (it has " + available + ")");
        this.brokerType = brokerType;
        this.missing = Set.copyOf(missing);
    }

    public String brokerType() {
        return brokerType;
    }

    public Set<Capability> missing() {
        return missing;
    }
}
