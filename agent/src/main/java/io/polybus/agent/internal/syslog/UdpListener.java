package io.polybus.agent.internal.syslog;

import io.polybus.agent.InputProgress;
import io.polybus.agent.Outcome;
import io.polybus.agent.RawLine;
import io.polybus.agent.RawLine.Cut;
import io.polybus.agent.SourceContext;
import io.polybus.agent.internal.LineAssembler;
import io.polybus.agent.internal.LineSettings;
import io.polybus.events.Origin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;

/**
 * Receives syslog over UDP: one message per datagram, without the line ends and NULs some senders append; a
 * message longer than {@code max-event-bytes} is split or truncated as configured. While the pipeline waits for
 * room to send nothing is received, and the kernel drops datagrams.
 */
final class UdpListener implements Listener {
    private static final Logger log = LoggerFactory.getLogger(UdpListener.class);
    /** Larger than any UDP payload, so the kernel never cuts a datagram short. */
    private static final int DATAGRAM_BUFFER = 65_536;
    private static final int DATAGRAMS_PER_ROUND = 256;

    private final String source;
    private final LineSettings settings;
    private final SourceContext context;
    private final byte[] buffer = new byte[DATAGRAM_BUFFER];
    private final ByteBuffer byteBuffer = ByteBuffer.wrap(buffer);
    private final InputProgress progress;
    private DatagramChannel channel;
    private SocketAddress lastSender;
    private Origin lastOrigin;

    UdpListener(String source, LineSettings settings, SourceContext context) {
        this.source = source;
        this.settings = settings;
        this.context = context;
        this.progress = context.newInput(0);
    }

    @Override
    public void bind(InetSocketAddress address, Selector selector) throws IOException {
        channel = DatagramChannel.open();
        channel.bind(address);
        channel.configureBlocking(false);
        channel.register(selector, SelectionKey.OP_READ);
    }

    @Override
    public InetSocketAddress address() throws IOException {
        return (InetSocketAddress) channel.getLocalAddress();
    }

    @Override
    public boolean handle(SelectionKey key) {
        boolean open = true;
        for (int i = 0; i < DATAGRAMS_PER_ROUND && open; i++) {
            byteBuffer.clear();
            SocketAddress sender;
            try {
                sender = channel.receive(byteBuffer);
            } catch (IOException e) {
                log.warn("source '{}': receiving a datagram failed: {}", source, e.toString());
                break;
            }
            if (sender == null) {
                break;
            }
            if (!sender.equals(lastSender)) {
                lastSender = sender;
                lastOrigin = Origin.peer(Listener.peer(sender));
            }
            open = datagram(byteBuffer.position());
        }
        progress.seal();
        return open;
    }

    private boolean datagram(int len) {
        byte[] b = buffer;
        while (len > 0 && (b[len - 1] == '\n' || b[len - 1] == '\r' || b[len - 1] == 0)) {
            len--;
        }
        int maxBytes = settings.maxEventBytes();
        if (len == 0) {
            return true;
        }
        if (len <= maxBytes) {
            return send(0, len, 0, len, Cut.WHOLE);
        }
        if (settings.truncate()) {
            return send(0, LineAssembler.cutAt(b, 0, maxBytes), 0, len, Cut.TRUNCATED);
        }
        int done = 0;
        while (done < len) {
            int n = len - done <= maxBytes ? len - done : LineAssembler.cutAt(b, done, maxBytes);
            if (!send(done, n, done, done + n, Cut.SPLIT)) {
                return false;
            }
            done += n;
        }
        return true;
    }

    private boolean send(int off, int len, long start, long end, Cut cut) {
        return context.send(new RawLine(buffer, off, len, lastOrigin, start, end, cut), progress) != Outcome.STOPPED;
    }

    @Override
    public void finish(Selector selector, boolean send) {
        progress.seal();
    }

    @Override
    public void close() {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // only received from: closing loses nothing
            }
        }
    }
}
