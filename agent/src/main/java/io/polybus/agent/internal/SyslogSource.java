package io.polybus.agent.internal;

import io.micrometer.core.instrument.Counter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Closeable;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Receives the {@code syslog} source on its own thread: UDP datagrams (one message each) or TCP connections
 * framed as RFC 6587 describes (octet counting, {@code <length> <message>}, or a newline after each message;
 * {@code auto} decides per connection by its first byte). One selector serves the listener and every
 * connection, so while the pipeline waits for room to send, nothing is read: TCP senders block once the
 * kernel's buffers are full, UDP datagrams are dropped by the kernel. Nothing is checkpointed (a sender cannot
 * replay): events read but not yet acknowledged when the agent dies are lost.
 */
final class SyslogSource implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(SyslogSource.class);
    /** Larger than any UDP payload, so the kernel never cuts a datagram short. */
    private static final int DATAGRAM_BUFFER = 65_536;
    private static final int READ_BUFFER = 64 * 1024;
    private static final int DATAGRAMS_PER_ROUND = 256;
    private static final int MAX_LENGTH_DIGITS = 10;

    private final Settings.Source source;
    private final Settings.Syslog config;
    private final Pipeline pipeline;
    private final int batchEvents;
    private final Lifecycle lifecycle;
    private final int maxBytes;
    private final AtomicInteger open = new AtomicInteger();
    private final Counter accepted;
    private final Counter refused;
    private final Counter invalidFrames;
    private final byte[] buffer;
    private final ByteBuffer byteBuffer;
    private Selector selector;
    private ServerSocketChannel server;
    private DatagramChannel datagrams;
    private OffsetTracker datagramTracker;
    private InetSocketAddress lastSender;
    private String lastPeer;
    private boolean refusing;
    /** The pipeline gave up waiting for room to send because the agent stops: nothing more can be sent. */
    private boolean blocked;

    SyslogSource(Settings.Source source, Pipeline pipeline, AgentMetrics metrics, int batchEvents, Lifecycle lifecycle) {
        this.source = source;
        this.config = source.syslog();
        this.pipeline = pipeline;
        this.batchEvents = batchEvents;
        this.lifecycle = lifecycle;
        this.maxBytes = source.maxEventBytes();
        this.buffer = new byte[config.tcp() ? READ_BUFFER : DATAGRAM_BUFFER];
        this.byteBuffer = ByteBuffer.wrap(buffer);
        String name = source.name();
        if (config.tcp()) {
            metrics.gauge("connections.open", "TCP connections of the source open", open::get, "source", name);
            accepted = metrics.counter("connections.accepted", "TCP connections accepted", "source", name);
            refused = metrics.counter("connections.refused", "TCP connections closed at once: max-connections were open",
                    "source", name);
            invalidFrames = metrics.counter("frames.invalid",
                    "octet-counted frames without a valid length (the connection goes on with newline framing)", "source", name);
        } else {
            accepted = null;
            refused = null;
            invalidFrames = null;
        }
    }

    /** {@code source} with the syslog parser first, counting what does not parse as {@code events.unparsed}. */
    static Settings.Source withParser(Settings.Source source, AgentMetrics metrics) {
        Counter unparsed = metrics.counter("events.unparsed",
                "syslog messages that did not parse (kept whole, tagged " + Processors.SYSLOG_FAILURE + ")",
                "source", source.name());
        return source.withFirstProcessor(new SyslogParser(Clock.systemDefaultZone(), unparsed::increment));
    }

    /**
     * Opens the listening socket.
     *
     * @throws IllegalStateException naming the source and the address when it cannot (e.g. already in use)
     */
    void bind() {
        InetSocketAddress listen = config.listen();
        try {
            selector = Selector.open();
            if (config.tcp()) {
                server = ServerSocketChannel.open();
                server.bind(listen, 128);
                server.configureBlocking(false);
                server.register(selector, SelectionKey.OP_ACCEPT);
            } else {
                datagrams = DatagramChannel.open();
                datagrams.bind(listen);
                datagrams.configureBlocking(false);
                datagrams.register(selector, SelectionKey.OP_READ);
                datagramTracker = new OffsetTracker(0, batchEvents);
            }
        } catch (IOException e) {
            close();
            throw new IllegalStateException("source '" + source.name() + "': cannot listen for syslog on "
                    + config.protocol() + " " + peer(listen) + ": " + e.getMessage(), e);
        }
        log.info("source '{}': listening for syslog on {} {}", source.name(), config.protocol(), peer(address()));
    }

    /** The bound address (the port chosen when {@code listen} asked for port 0). */
    InetSocketAddress address() {
        try {
            return (InetSocketAddress) (server != null ? server.getLocalAddress() : datagrams.getLocalAddress());
        } catch (IOException e) {
            return config.listen();
        }
    }

    void wake() {
        if (selector != null) {
            selector.wakeup();
        }
    }

    @Override
    public void run() {
        try {
            while (!lifecycle.stopping() && !blocked) {
                selector.select();
                for (SelectionKey key : selector.selectedKeys()) {
                    if (blocked || lifecycle.stopping()) {
                        break;
                    }
                    if (!key.isValid()) {
                        continue;
                    }
                    if (key.isAcceptable()) {
                        accept();
                    } else if (key.channel() == datagrams) {
                        receive();
                    } else {
                        read((Connection) key.attachment());
                    }
                }
                selector.selectedKeys().clear();
                blocked = blocked || !pipeline.flush();
            }
        } catch (IOException | RuntimeException e) {
            log.error("source '{}' failed; it stops listening", source.name(), e);
        } finally {
            for (SelectionKey key : new ArrayList<>(selector.keys())) {
                if (key.attachment() instanceof Connection c) {
                    finish(c);
                }
            }
            pipeline.flush();
            if (datagramTracker != null) {
                datagramTracker.seal();
            }
            close();
            lifecycle.sourceFinished();
        }
    }

    /** Closes the listening socket; for a source that does not run (another failed to bind). */
    void close() {
        for (Closeable c : Arrays.asList(server, datagrams, selector)) {
            if (c != null) {
                closeQuietly(c);
            }
        }
    }

    private void accept() {
        while (true) {
            SocketChannel channel;
            try {
                channel = server.accept();
            } catch (IOException e) {
                log.warn("source '{}': cannot accept a syslog connection: {}", source.name(), e.toString());
                return;
            }
            if (channel == null) {
                return;
            }
            try {
                String peer = peer(channel.getRemoteAddress());
                if (open.get() >= config.maxConnections()) {
                    refuse(channel, peer);
                    continue;
                }
                refusing = false;
                channel.configureBlocking(false);
                channel.register(selector, SelectionKey.OP_READ, new Connection(channel, peer));
                open.incrementAndGet();
                accepted.increment();
                log.debug("source '{}': syslog connection from {}", source.name(), peer);
            } catch (IOException e) {
                log.debug("source '{}': a syslog connection failed as it was accepted: {}", source.name(), e.toString());
                closeQuietly(channel);
            }
        }
    }

    /** Closes a connection over {@code max-connections} with a reset, so that the sender's next write fails. */
    private void refuse(SocketChannel channel, String peer) throws IOException {
        refused.increment();
        if (!refusing) {
            refusing = true;
            log.warn("source '{}': {} syslog connections are open (max-connections); refusing {} and others "
                    + "until one closes (polybus.agent.connections.refused counts them)", source.name(),
                    config.maxConnections(), peer);
        }
        channel.setOption(StandardSocketOptions.SO_LINGER, 0);
        channel.close();
    }

    private static void closeQuietly(Closeable channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // Only read from: closing loses nothing.
        }
    }

    private void read(Connection c) {
        byteBuffer.clear();
        int n;
        try {
            n = c.channel.read(byteBuffer);
        } catch (IOException e) {
            log.debug("source '{}': reading from {} failed: {}", source.name(), c.peer, e.toString());
            n = -1;
        }
        if (n < 0) {
            finish(c);
        } else if (n > 0) {
            blocked = !c.feed(buffer, 0, n);
            c.tracker.seal();
        }
    }

    /** The sender closed (or the agent stops): sends what the connection holds, then closes it. */
    private void finish(Connection c) {
        if (!blocked) {
            blocked = !c.flush();
        }
        c.tracker.seal();
        closeQuietly(c.channel);
        open.decrementAndGet();
    }

    private void receive() {
        for (int i = 0; i < DATAGRAMS_PER_ROUND && !blocked; i++) {
            byteBuffer.clear();
            SocketAddress sender;
            try {
                sender = datagrams.receive(byteBuffer);
            } catch (IOException e) {
                log.warn("source '{}': receiving a datagram failed: {}", source.name(), e.toString());
                break;
            }
            if (sender == null) {
                break;
            }
            if (!sender.equals(lastSender)) {
                lastSender = (InetSocketAddress) sender;
                lastPeer = peer(sender);
            }
            blocked = !datagram(buffer, byteBuffer.position(), lastPeer);
        }
        datagramTracker.seal();
    }

    /**
     * Sends one datagram's message: without the line ends and NULs some senders append; when longer than
     * {@code max-event-bytes}, split into chunks or truncated as configured.
     */
    private boolean datagram(byte[] b, int len, String peer) {
        OffsetTracker tracker = datagramTracker;
        while (len > 0 && (b[len - 1] == '\n' || b[len - 1] == '\r' || b[len - 1] == 0)) {
            len--;
        }
        if (len == 0) {
            return true;
        }
        if (len <= maxBytes) {
            return pipeline.accept(b, 0, len, peer, null, 0, len, tracker, 0);
        }
        if (source.truncate()) {
            return pipeline.accept(b, 0, LineAssembler.cutAt(b, 0, maxBytes), peer, null, 0, len, tracker, Pipeline.TRUNCATED);
        }
        int done = 0;
        while (done < len) {
            int n = len - done <= maxBytes ? len - done : LineAssembler.cutAt(b, done, maxBytes);
            if (!pipeline.accept(b, done, n, peer, null, done, done + n, tracker, Pipeline.SPLIT)) {
                return false;
            }
            done += n;
        }
        return true;
    }

    private static String peer(SocketAddress address) {
        InetSocketAddress a = (InetSocketAddress) address;
        InetAddress ip = a.getAddress();
        String host = ip == null ? a.getHostString() : ip.getHostAddress();
        return (ip instanceof Inet6Address ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    /** One TCP sender: its framing and the message it is in the middle of. */
    private final class Connection {
        final SocketChannel channel;
        final String peer;
        final OffsetTracker tracker = new OffsetTracker(0, batchEvents);
        final LineAssembler lines;
        String framing = config.framing();
        /** Bytes read from the connection so far. */
        long position;
        /** Octet counting: the length being read (its digits kept), or the bytes of the frame still to come. */
        final byte[] digits = new byte[MAX_LENGTH_DIGITS];
        int digitCount;
        long frameLeft = -1;
        byte[] frame = new byte[256];
        int frameLength;
        long frameStart;
        boolean splitting;
        boolean discarding;

        Connection(SocketChannel channel, String peer) {
            this.channel = channel;
            this.peer = peer;
            this.lines = new LineAssembler(source, pipeline, tracker, peer, null);
        }

        /** @return false when the agent stopped while an event waited for room to send */
        boolean feed(byte[] b, int off, int len) {
            long base = position;
            position += len;
            if (framing.equals("auto")) {
                framing = b[off] >= '0' && b[off] <= '9' ? "octet-counting" : "newline";
            }
            int end = off + len;
            int i = off;
            while (i < end) {
                if (framing.equals("newline")) {
                    return lines.feed(b, i, end - i, base + (i - off));
                }
                if (frameLeft >= 0) {
                    int take = (int) Math.min(frameLeft, end - i);
                    if (!body(b, i, take)) {
                        return false;
                    }
                    i += take;
                    frameLeft -= take;
                    if (frameLeft == 0 && !endFrame()) {
                        return false;
                    }
                    continue;
                }
                byte ch = b[i];
                if (ch >= '0' && ch <= '9' && digitCount < MAX_LENGTH_DIGITS) {
                    digits[digitCount++] = ch;
                } else if (ch == ' ' && digitCount > 0) {
                    frameLeft = 0;
                    for (int d = 0; d < digitCount; d++) {
                        frameLeft = frameLeft * 10 + (digits[d] - '0');
                    }
                    frameStart = base + (i - off) + 1;
                    digitCount = 0;
                    if (frameLeft == 0) {
                        frameLeft = -1;
                    }
                } else if (digitCount > 0 || (ch != '\n' && ch != '\r')) {
                    // Not a length: the sender does not count octets after all. Go on as newline framing.
                    invalidFrames.increment();
                    log.warn("source '{}': {} sent a syslog frame without a valid length; reading its messages "
                            + "as newline-terminated from here on", source.name(), peer);
                    framing = "newline";
                    long at = base + (i - off) - digitCount;
                    int n = digitCount;
                    digitCount = 0;
                    if (n > 0 && !lines.feed(digits, 0, n, at)) {
                        return false;
                    }
                    continue;
                }
                i++;
            }
            return true;
        }

        /** Bytes of the current frame: kept up to {@code max-event-bytes}, then split or truncated. */
        private boolean body(byte[] b, int off, int len) {
            if (discarding) {
                return true;
            }
            while (frameLength + len > maxBytes) {
                // One byte past the limit, so that the cut can tell whether it would split a character.
                int take = maxBytes + 1 - frameLength;
                append(b, off, take);
                off += take;
                len -= take;
                int cut = LineAssembler.cutAt(frame, 0, maxBytes);
                if (source.truncate()) {
                    discarding = true;
                    frameLength = 0;
                    return emit(cut, Pipeline.TRUNCATED);
                }
                if (!emit(cut, Pipeline.SPLIT)) {
                    return false;
                }
                splitting = true;
                frameStart += cut;
                frameLength -= cut;
                System.arraycopy(frame, cut, frame, 0, frameLength);
            }
            append(b, off, len);
            return true;
        }

        private void append(byte[] b, int off, int len) {
            if (frameLength + len > frame.length) {
                frame = Arrays.copyOf(frame, Math.max(frameLength + len, Math.min(maxBytes, frame.length * 2)));
            }
            System.arraycopy(b, off, frame, frameLength, len);
            frameLength += len;
        }

        private boolean endFrame() {
            frameLeft = -1;
            boolean split = splitting;
            splitting = false;
            if (discarding) {
                discarding = false;
                return true;
            }
            int n = frameLength;
            frameLength = 0;
            while (n > 0 && (frame[n - 1] == '\n' || frame[n - 1] == '\r' || frame[n - 1] == 0)) {
                n--;
            }
            return n == 0 || emit(n, split ? Pipeline.SPLIT : 0);
        }

        private boolean emit(int n, int flags) {
            return pipeline.accept(frame, 0, n, peer, null, frameStart, frameStart + n, tracker, flags);
        }

        /** At the end of the connection: what it holds, a frame cut short marked truncated. */
        boolean flush() {
            if (framing.equals("newline")) {
                return lines.flushAll();
            }
            if (frameLeft > 0 && !discarding && frameLength > 0) {
                int n = frameLength;
                frameLength = 0;
                return emit(n, Pipeline.TRUNCATED);
            }
            return true;
        }
    }
}
