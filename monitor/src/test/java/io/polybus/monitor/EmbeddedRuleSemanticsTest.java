package io.polybus.monitor;

import io.polybus.Broker;
import io.polybus.Brokers;
import io.polybus.Config;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import java.util.UUID;

/** The rule semantics on the embedded engine, through the memory broker. */
class EmbeddedRuleSemanticsTest extends RuleSemanticsSuite {
    private Broker broker;

    @BeforeEach
    void openBroker() {
        broker = Brokers.open(Config.of("type", "memory", "name", "semantics-" + UUID.randomUUID()));
    }

    @AfterEach
    void closeBroker() {
        broker.close();
    }

    @Override
    Broker broker() {
        return broker;
    }

    @Override
    String engineKeys() {
        return "  engine: embedded\n";
    }
}
