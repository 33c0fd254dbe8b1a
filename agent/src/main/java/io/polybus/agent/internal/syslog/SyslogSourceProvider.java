package io.polybus.agent.internal.syslog;

import io.polybus.agent.Source;
import io.polybus.agent.SourceProvider;
import io.polybus.events.ComponentContext;
import io.polybus.spi.ConfigDef;
import io.polybus.spi.ProviderConfig;

/** The {@code syslog} source: RFC 5424 and RFC 3164 messages over UDP or TCP (RFC 6587 framing). */
public final class SyslogSourceProvider implements SourceProvider {
    @Override
    public String type() {
        return "syslog";
    }

    @Override
    public String description() {
        return "Receives syslog (RFC 5424, RFC 3164) over UDP or TCP and parses its header into fields.";
    }

    @Override
    public ConfigDef configDef() {
        return SyslogSettings.KEYS;
    }

    @Override
    public Source create(ProviderConfig config, ComponentContext context) {
        return new SyslogSource(context.name(), SyslogSettings.of(config));
    }
}
