package io.polybus.agent.internal.syslog;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;

/**
 * The TLS layer of one syslog connection (RFC 5425): an {@link SSLEngine} in server mode between the non-blocking
 * channel and the {@link FramedConnection}, which sees only the plaintext. The handshake runs as the sender's bytes
 * arrive; its answers (and, after it, TLS 1.3 session tickets and the closing alert) are written at once, waiting a
 * bounded time for room in the socket. Not thread-safe: the source's thread.
 */
final class TlsLayer {
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);
    /** How long writing the handshake may wait for a sender that does not read it. */
    private static final long WRITE_MILLIS = 10_000;

    final FramedConnection framed;
    private final SSLEngine engine;
    private final SocketChannel channel;
    /** Bytes read from the channel, not yet unwrapped (write mode). */
    private ByteBuffer netIn;
    /** Bytes wrapped, to be written (read mode between writes). */
    private ByteBuffer netOut;
    /** Plaintext unwrapped (write mode while unwrapping, read mode when handed out). */
    private ByteBuffer plain;
    private boolean handshaken;
    private boolean ended;
    /** Writing failed after the handshake: the sender closed, but what it sent before is still to be read. */
    private boolean senderGone;

    TlsLayer(FramedConnection framed, SSLEngine engine) {
        this.framed = framed;
        this.engine = engine;
        this.channel = framed.channel;
        int packet = engine.getSession().getPacketBufferSize();
        this.netIn = ByteBuffer.allocate(packet);
        this.netOut = ByteBuffer.allocate(packet);
        this.plain = ByteBuffer.allocate(engine.getSession().getApplicationBufferSize());
    }

    /** Whether the handshake has completed once (the sender spoke TLS and was accepted). */
    boolean handshaken() {
        return handshaken;
    }

    /** Whether the sender closed the connection or the TLS session: after the last {@link #read()}, finish. */
    boolean ended() {
        return ended;
    }

    /**
     * Reads what the channel holds and unwraps it.
     *
     * @return the plaintext it carried, in read mode (possibly empty; also when the sender closed with it)
     * @throws SSLException when the handshake or a record fails (the alert is sent before); the connection is done
     * @throws IOException  when the channel fails
     */
    ByteBuffer read() throws IOException {
        int n = channel.read(netIn);
        plain.clear();
        netIn.flip();
        try {
            ended = unwrap() || n < 0 || senderGone;
        } catch (SSLException e) {
            sendAlert();
            throw e;
        } finally {
            netIn.compact();
        }
        return plain.flip();
    }

    /** @return whether the sender closed the TLS session */
    private boolean unwrap() throws IOException {
        while (true) {
            switch (engine.getHandshakeStatus()) {
                case NEED_TASK -> {
                    for (Runnable task = engine.getDelegatedTask(); task != null; task = engine.getDelegatedTask()) {
                        task.run();
                    }
                    continue;
                }
                case NEED_WRAP -> {
                    if (wrap()) {
                        return true;
                    }
                    continue;
                }
                default -> {
                }
            }
            SSLEngineResult result = engine.unwrap(netIn, plain);
            if (result.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.FINISHED) {
                handshaken = true;
            }
            switch (result.getStatus()) {
                case OK -> {
                    SSLEngineResult.HandshakeStatus next = engine.getHandshakeStatus();
                    if (result.bytesConsumed() == 0 && result.bytesProduced() == 0
                            && (next == SSLEngineResult.HandshakeStatus.NOT_HANDSHAKING
                            || next == SSLEngineResult.HandshakeStatus.NEED_UNWRAP)) {
                        return false;
                    }
                }
                case BUFFER_UNDERFLOW -> {
                    if (netIn.limit() == netIn.capacity()) {
                        netIn = grow(netIn, engine.getSession().getPacketBufferSize(), false);
                    }
                    return false;
                }
                case BUFFER_OVERFLOW -> plain = grow(plain, engine.getSession().getApplicationBufferSize(), true);
                case CLOSED -> {
                    engine.closeOutbound();
                    wrap();
                    return true;
                }
            }
        }
    }

    /** Enlarges {@code buffer}, keeping its content: {@code writing} buffers stay in write mode, others in read mode. */
    private static ByteBuffer grow(ByteBuffer buffer, int more, boolean writing) {
        ByteBuffer bigger = ByteBuffer.allocate(buffer.capacity() + more);
        if (writing) {
            buffer.flip();
            return bigger.put(buffer);
        }
        bigger.put(buffer);
        return bigger.flip();
    }

    /** Wraps what the engine has to say and writes it. @return whether the engine is closed */
    private boolean wrap() throws IOException {
        netOut.clear();
        SSLEngineResult result = engine.wrap(EMPTY, netOut);
        if (result.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.FINISHED) {
            handshaken = true;
        }
        if (result.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
            netOut = ByteBuffer.allocate(netOut.capacity() + engine.getSession().getPacketBufferSize());
            return false;
        }
        netOut.flip();
        if (senderGone) {
            netOut.clear();
        } else {
            try {
                write();
            } catch (IOException e) {
                if (!handshaken) {
                    throw e;
                }
                // A sender that sends and closes at once is gone before it reads the session ticket sent after the
                // handshake; its records already received hold its messages, so reading goes on.
                senderGone = true;
                netOut.clear();
            }
        }
        return result.getStatus() == SSLEngineResult.Status.CLOSED;
    }

    /** After a failure, sends the engine's alert so that the sender learns why; failing to is no further news. */
    private void sendAlert() {
        try {
            engine.closeOutbound();
            while (!engine.isOutboundDone()) {
                if (wrap()) {
                    return;
                }
            }
        } catch (IOException ignored) {
            // The sender is gone or not listening: the failure was already reported.
        }
    }

    private void write() throws IOException {
        while (netOut.hasRemaining()) {
            if (channel.write(netOut) == 0) {
                awaitRoom();
            }
        }
    }

    private void awaitRoom() throws IOException {
        try (Selector room = Selector.open()) {
            channel.register(room, SelectionKey.OP_WRITE);
            if (room.select(WRITE_MILLIS) == 0) {
                throw new IOException("the sender did not read the TLS handshake for " + WRITE_MILLIS + " ms");
            }
        }
    }
}
