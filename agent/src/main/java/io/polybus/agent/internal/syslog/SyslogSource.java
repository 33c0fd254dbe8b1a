package io.polybus.agent.internal.syslog;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.polybus.agent.Source;
import io.polybus.agent.SourceContext;
import io.polybus.agent.internal.AgentMetrics;
import io.polybus.events.Processor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.time.Clock;
import java.util.concurrent.atomic.LongAdder;

/**
 * Receives the {@code syslog} source: one selector serves the UDP or TCP {@link Listener} (and every TCP
 * connection), so while the pipeline waits for room to send, nothing is read. Every message goes first through
 * the {@link SyslogParser}. Nothing is checkpointed (a sender cannot replay): events read but not yet
 * acknowledged when the agent dies are lost.
 */
final class SyslogSource implements Source, MeterBinder {
    private static final Logger log = LoggerFactory.getLogger(SyslogSource.class);

    private final String name;
    private final SyslogSettings settings;
    private final LongAdder unparsed = new LongAdder();
    private final SyslogParser parser = new SyslogParser(Clock.systemDefaultZone(), unparsed::increment);
    private final TcpListener.Meters tcpMeters;
    private Selector selector;
    private Listener listener;

    SyslogSource(String name, SyslogSettings settings) {
        this.name = name;
        this.settings = settings;
        this.tcpMeters = settings.tcp() ? new TcpListener.Meters(name) : null;
    }

    @Override
    public Processor firstProcessor() {
        return parser;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        FunctionCounter.builder(AgentMetrics.PREFIX + "events.unparsed", unparsed, LongAdder::sum)
                .description("syslog messages that did not parse (kept whole, tagged " + SyslogParser.FAILURE + ")")
                .tag("source", name).register(registry);
        if (tcpMeters != null) {
            tcpMeters.bindTo(registry);
        }
    }

    /** The bound address (the port chosen when {@code listen} asked for port 0); after {@link #open}. */
    InetSocketAddress address() {
        try {
            return listener.address();
        } catch (IOException e) {
            return settings.listen();
        }
    }

    /**
     * Opens the listening socket.
     *
     * @throws IllegalStateException naming the source and the address when it cannot (e.g. already in use)
     */
    @Override
    public void open(SourceContext context) {
        listener = settings.tcp() ? new TcpListener(name, settings, context, tcpMeters) : new UdpListener(name, settings.lines(), context);
        InetSocketAddress listen = settings.listen();
        try {
            selector = Selector.open();
            listener.bind(listen, selector);
        } catch (IOException e) {
            close();
            throw new IllegalStateException("source '" + name + "': cannot listen for syslog on "
                    + (settings.tcp() ? "tcp" : "udp") + " " + Listener.peer(listen) + ": " + e.getMessage(), e);
        }
        log.info("source '{}': listening for syslog on {} {}", name, settings.tcp() ? "tcp" : "udp", Listener.peer(address()));
    }

    @Override
    public void wake() {
        if (selector != null) {
            selector.wakeup();
        }
    }

    @Override
    public void run(SourceContext context) {
        boolean sending = true;
        try {
            while (!context.stopping() && sending) {
                selector.select();
                for (SelectionKey key : selector.selectedKeys()) {
                    if (!sending || context.stopping()) {
                        break;
                    }
                    if (key.isValid()) {
                        sending = listener.handle(key);
                    }
                }
                selector.selectedKeys().clear();
                sending = sending && context.flush();
            }
        } catch (IOException e) {
            log.error("source '{}' failed; it stops listening", name, e);
        } finally {
            listener.finish(selector, sending);
            context.flush();
            close();
        }
    }

    @Override
    public void close() {
        if (listener != null) {
            listener.close();
        }
        if (selector != null) {
            try {
                selector.close();
            } catch (IOException ignored) {
                // nothing to release
            }
        }
    }
}
