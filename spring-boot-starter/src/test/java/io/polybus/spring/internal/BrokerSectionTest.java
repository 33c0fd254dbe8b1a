package io.polybus.spring.internal;

import io.polybus.ConfigException;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BrokerSectionTest {

    @Test
    void aYamlListAsSpringBindsItBecomesOneCommaSeparatedValue() {
        assertThat(BrokerSection.config(Map.of("type", "memory", "name.1", "b", "name.0", "a")).get("name"))
                .contains("a,b");
    }

    @Test
    void withoutATypeTheBrokerIsMemoryAndABadKeyIsNamedUnderPolybusBroker() {
        assertThat(BrokerSection.config(Map.of()).get("type")).contains("memory");
        assertThatThrownBy(() -> BrokerSection.config(Map.of("partitions", "none")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("polybus.broker.partitions");
    }
}
