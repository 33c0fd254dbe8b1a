package io.polybus.agent.internal;

import io.polybus.agent.InputProgress;
import io.polybus.agent.Outcome;
import io.polybus.agent.RawLine;
import io.polybus.agent.Source;
import io.polybus.agent.SourceContext;

import java.io.InputStream;
import java.util.Map;

/**
 * The context of a source with {@code buffer: disk}: what the source sends is written to its {@link DiskBuffer}
 * and counts as received once written; a shipping thread of its own reads the buffer and sends each record
 * through the source's pipeline, the buffer's acknowledged position following the broker's acknowledgements.
 */
final class BufferingContext implements SourceContext {
    private static final long POLL_MILLIS = 20;

    /** Records written to the buffer need no tracking of their own: the buffer's position is what is saved. */
    private static final InputProgress RECEIVED = new InputProgress() {
        @Override
        public long ackedOffset() {
            return 0;
        }

        @Override
        public void seal() {
        }

        @Override
        public void skipTo(long endOffset) {
        }

        @Override
        public boolean idle() {
            return true;
        }
    };

    private final SourcePipeline pipeline;
    private final DiskBuffer buffer;
    private volatile boolean ended;

    BufferingContext(SourcePipeline pipeline, DiskBuffer buffer) {
        this.pipeline = pipeline;
        this.buffer = buffer;
    }

    /**
     * Runs {@code source} (opened with this context) into the buffer on this thread while another ships the
     * buffer; returns when the source ended and what it received was sent, or when the agent stops.
     */
    void run(Source source) {
        Thread shipping = new Thread(this::ship, "polybus-buffer-" + pipeline.name());
        shipping.start();
        try {
            source.run(this);
        } finally {
            ended = true;
            try {
                shipping.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void ship() {
        InputProgress progress = pipeline.newInput(buffer.acked());
        buffer.track(progress);
        try {
            while (!pipeline.stopping()) {
                DiskBuffer.Record r = buffer.next(POLL_MILLIS);
                if (r == null) {
                    progress.seal();
                    if (!pipeline.flush() || ended && buffer.drained()) {
                        break;
                    }
                    continue;
                }
                if (pipeline.send(r.line(), progress) == Outcome.STOPPED) {
                    break;
                }
            }
        } finally {
            pipeline.flush();
            progress.seal();
        }
    }

    @Override
    public String name() {
        return pipeline.name();
    }

    @Override
    public boolean once() {
        return pipeline.once();
    }

    @Override
    public boolean stopping() {
        return pipeline.stopping();
    }

    @Override
    public InputProgress newInput(long startOffset) {
        return RECEIVED;
    }

    @Override
    public Outcome send(RawLine line, InputProgress progress) {
        return buffer.append(line, pipeline::stopping) ? Outcome.SENT : Outcome.STOPPED;
    }

    @Override
    public Outcome emit(String message, long timestampMillis, Map<String, Object> fields, InputProgress progress, long endOffset) {
        throw new UnsupportedOperationException("source '" + name() + "': only records read from bytes can be buffered on disk");
    }

    @Override
    public boolean flush() {
        return !pipeline.stopping();
    }

    @Override
    public int batchEvents() {
        return pipeline.batchEvents();
    }

    @Override
    public InputStream standardInput() {
        return pipeline.standardInput();
    }

    @Override
    public int maxRecordBytes() {
        return pipeline.maxRecordBytes();
    }
}
