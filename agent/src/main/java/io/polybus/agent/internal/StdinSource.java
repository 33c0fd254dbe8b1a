package io.polybus.agent.internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.locks.LockSupport;

/**
 * Reads the {@code stdin} source on its own thread until end of input. Offsets count bytes from the start
 * of the stream; nothing is checkpointed (a stream cannot be re-read).
 */
final class StdinSource implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(StdinSource.class);

    private final Settings.Source source;
    private final Pipeline pipeline;
    private final int batchEvents;
    private final Lifecycle lifecycle;
    private final InputStream in;

    StdinSource(Settings.Source source, Pipeline pipeline, int batchEvents, Lifecycle lifecycle, InputStream in) {
        this.source = source;
        this.pipeline = pipeline;
        this.batchEvents = batchEvents;
        this.lifecycle = lifecycle;
        this.in = in;
    }

    /**
     * While a multi-line event is being joined, waits for input without blocking in {@code read}, so the event
     * is still sent when its timeout passes and nothing more arrives.
     *
     * @return false when the agent stopped while an event waited for room to send
     */
    private boolean awaitInput(LineAssembler assembler) throws IOException {
        while (assembler.isJoining() && in.available() == 0 && !lifecycle.stopping()) {
            if (!assembler.flushIdle(System.nanoTime()) || !pipeline.flush()) {
                return false;
            }
            LockSupport.parkNanos(20_000_000L);
        }
        return true;
    }

    @Override
    public void run() {
        OffsetTracker tracker = new OffsetTracker(0, batchEvents);
        LineAssembler assembler = new LineAssembler(source, pipeline, tracker, null, null);
        byte[] buffer = new byte[64 * 1024];
        long position = 0;
        try {
            while (!lifecycle.stopping()) {
                if (!awaitInput(assembler)) {
                    break;
                }
                int n = in.read(buffer);
                if (n < 0) {
                    assembler.flushAll();
                    break;
                }
                if (!assembler.feed(buffer, 0, n, position)) {
                    break;
                }
                position += n;
                if (!pipeline.flush()) {
                    break;
                }
                tracker.seal();
            }
        } catch (IOException e) {
            log.warn("source '{}': reading stdin failed, the source stops: {}", source.name(), e.toString());
        } finally {
            pipeline.flush();
            tracker.seal();
            lifecycle.sourceFinished();
        }
    }
}
