package io.polybus.agent.internal.syslog;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.polybus.agent.SourceContext;
import io.polybus.agent.internal.AgentMetrics;
import io.polybus.agent.internal.LineSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Receives syslog over TCP: accepts at most {@code max-connections} senders (more are closed at once with a
 * reset, counted and logged) and reads each as a {@link FramedConnection}, through a {@link TlsLayer} when
 * {@code tls} is on (a sender whose handshake fails is logged, counted and closed). While the pipeline waits for room to
 * send nothing is read, so senders block once the kernel's buffers are full.
 */
final class TcpListener implements Listener {
    private static final Logger log = LoggerFactory.getLogger(TcpListener.class);
    private static final int READ_BUFFER = 64 * 1024;

    private final String source;
    private final SyslogSettings settings;
    private final SourceContext context;
    private final byte[] buffer = new byte[READ_BUFFER];
    private final ByteBuffer byteBuffer = ByteBuffer.wrap(buffer);
    private final Meters meters;
    private ServerSocketChannel server;
    private Selector selector;
    private boolean refusing;

    TcpListener(String source, SyslogSettings settings, SourceContext context, Meters meters) {
        this.source = source;
        this.settings = settings;
        this.context = context;
        this.meters = meters;
    }

    /** The listener's counters; the source binds them before the listener exists. */
    static final class Meters implements MeterBinder {
        private final String source;
        final AtomicInteger open = new AtomicInteger();
        final LongAdder accepted = new LongAdder();
        final LongAdder refused = new LongAdder();
        final LongAdder invalidFrames = new LongAdder();
        final LongAdder tlsFailed = new LongAdder();

        Meters(String source) {
            this.source = source;
        }

        @Override
        public void bindTo(MeterRegistry registry) {
            String p = AgentMetrics.PREFIX;
            Gauge.builder(p + "connections.open", open, AtomicInteger::get).description("TCP connections of the source open")
                    .tag("source", source).register(registry);
            FunctionCounter.builder(p + "connections.accepted", accepted, LongAdder::sum).description("TCP connections accepted")
                    .tag("source", source).register(registry);
            FunctionCounter.builder(p + "connections.refused", refused, LongAdder::sum)
                    .description("TCP connections closed at once: max-connections were open").tag("source", source).register(registry);
            FunctionCounter.builder(p + "frames.invalid", invalidFrames, LongAdder::sum)
                    .description("octet-counted frames without a valid length (the connection goes on with newline framing)")
                    .tag("source", source).register(registry);
            FunctionCounter.builder(p + "connections.tls-failed", tlsFailed, LongAdder::sum)
                    .description("TCP connections closed because their TLS handshake or a TLS record failed (no TLS, a "
                            + "refused or missing client certificate)").tag("source", source).register(registry);
        }
    }

    @Override
    public void bind(InetSocketAddress address, Selector selector) throws IOException {
        this.selector = selector;
        server = ServerSocketChannel.open();
        server.bind(address, 128);
        server.configureBlocking(false);
        server.register(selector, SelectionKey.OP_ACCEPT);
    }

    @Override
    public InetSocketAddress address() throws IOException {
        return (InetSocketAddress) server.getLocalAddress();
    }

    @Override
    public boolean handle(SelectionKey key) {
        if (key.isAcceptable()) {
            accept();
            return true;
        }
        return key.attachment() instanceof TlsLayer tls ? read(tls) : read((FramedConnection) key.attachment());
    }

    private void accept() {
        while (true) {
            SocketChannel channel;
            try {
                channel = server.accept();
            } catch (IOException e) {
                log.warn("source '{}': cannot accept a syslog connection: {}", source, e.toString());
                return;
            }
            if (channel == null) {
                return;
            }
            try {
                String peer = Listener.peer(channel.getRemoteAddress());
                if (meters.open.get() >= settings.maxConnections()) {
                    refuse(channel, peer);
                    continue;
                }
                refusing = false;
                channel.configureBlocking(false);
                FramedConnection framed = new FramedConnection(channel, peer, source, settings.framing(),
                        settings.lines(), context, meters.invalidFrames::increment);
                channel.register(selector, SelectionKey.OP_READ, settings.tls().enabled()
                        ? new TlsLayer(framed, engine()) : framed);
                meters.open.incrementAndGet();
                meters.accepted.increment();
                log.debug("source '{}': syslog connection from {}", source, peer);
            } catch (IOException e) {
                log.debug("source '{}': a syslog connection failed as it was accepted: {}", source, e.toString());
                closeQuietly(channel);
            }
        }
    }

    private SSLEngine engine() {
        SSLEngine engine = settings.tls().sslContext().createSSLEngine();
        engine.setUseClientMode(false);
        engine.setSSLParameters(settings.tls().serverParameters());
        return engine;
    }

    /** Closes a connection over {@code max-connections} with a reset, so that the sender's next write fails. */
    private void refuse(SocketChannel channel, String peer) throws IOException {
        meters.refused.increment();
        if (!refusing) {
            refusing = true;
            log.warn("source '{}': {} syslog connections are open (max-connections); refusing {} and others "
                    + "until one closes (polybus.agent.connections.refused counts them)", source,
                    settings.maxConnections(), peer);
        }
        channel.setOption(StandardSocketOptions.SO_LINGER, 0);
        channel.close();
    }

    private boolean read(FramedConnection c) {
        byteBuffer.clear();
        int n;
        try {
            n = c.channel.read(byteBuffer);
        } catch (IOException e) {
            log.debug("source '{}': reading from {} failed: {}", source, c.peer, e.toString());
            n = -1;
        }
        if (n < 0) {
            return finish(c, true);
        }
        boolean sent = n == 0 || c.feed(buffer, 0, n);
        c.progress.seal();
        return sent;
    }

    private boolean read(TlsLayer tls) {
        FramedConnection c = tls.framed;
        ByteBuffer plain;
        try {
            plain = tls.read();
        } catch (SSLException e) {
            meters.tlsFailed.increment();
            log.warn("source '{}': TLS with {} failed{}: {}", source, c.peer, tls.handshaken() ? "" : " during the handshake",
                    String.valueOf(e.getMessage()).contains("Unsupported or unrecognized SSL message")
                            ? "the sender does not speak TLS (tls is on: RFC 5425)" : e.getMessage());
            return finish(c, true);
        } catch (IOException e) {
            log.debug("source '{}': reading from {} failed: {}", source, c.peer, e.toString());
            return finish(c, true);
        }
        boolean sent = !plain.hasRemaining() || c.feed(plain.array(), plain.position(), plain.remaining());
        c.progress.seal();
        return tls.ended() ? finish(c, sent) && sent : sent;
    }

    /** The sender closed (or the agent stops): sends what the connection holds, then closes it. */
    private boolean finish(FramedConnection c, boolean send) {
        boolean sent = !send || c.flush();
        c.progress.seal();
        closeQuietly(c.channel);
        meters.open.decrementAndGet();
        return sent;
    }

    @Override
    public void finish(Selector s, boolean sendHeld) {
        boolean send = sendHeld;
        for (SelectionKey key : new ArrayList<>(s.keys())) {
            if (key.attachment() instanceof FramedConnection c) {
                send = finish(c, send) && send;
            } else if (key.attachment() instanceof TlsLayer tls) {
                send = finish(tls.framed, send) && send;
            }
        }
    }

    private static void closeQuietly(java.io.Closeable channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // Only read from: closing loses nothing.
        }
    }

    @Override
    public void close() {
        if (server != null) {
            closeQuietly(server);
        }
    }
}
