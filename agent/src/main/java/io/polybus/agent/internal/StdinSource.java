package io.polybus.agent.internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;

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

    @Override
    public void run() {
        OffsetTracker tracker = new OffsetTracker(0, batchEvents);
        LineAssembler assembler = new LineAssembler(source, pipeline, tracker, null, null);
        byte[] buffer = new byte[64 * 1024];
        long position = 0;
        try {
            while (!lifecycle.stopping()) {
                int n = in.read(buffer);
                if (n < 0) {
                    assembler.flushAll();
                    break;
                }
                if (!assembler.feed(buffer, 0, n, position)) {
                    break;
                }
                position += n;
                tracker.seal();
            }
        } catch (IOException e) {
            log.warn("source '{}': reading stdin failed, the source stops: {}", source.name(), e.toString());
        } finally {
            tracker.seal();
            lifecycle.sourceFinished();
        }
    }
}
