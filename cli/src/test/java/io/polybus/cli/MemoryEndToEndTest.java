package io.polybus.cli;

import io.polybus.Config;

import java.util.UUID;

class MemoryEndToEndTest extends AgentEndToEndTest {
    private final String name = "e2e-" + UUID.randomUUID();

    @Override
    protected Config brokerConfig() {
        return Config.of("type", "memory", "name", name);
    }
}
