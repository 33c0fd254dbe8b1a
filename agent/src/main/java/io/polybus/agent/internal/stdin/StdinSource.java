package io.polybus.agent.internal.stdin;

import io.polybus.agent.InputProgress;
import io.polybus.agent.Source;
import io.polybus.agent.SourceContext;
import io.polybus.agent.internal.LineAssembler;
import io.polybus.agent.internal.LineSettings;
import io.polybus.events.Origin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Reads the {@code stdin} source until end of input. Offsets count bytes from the start of the stream; nothing
 * is checkpointed (a stream cannot be read again).
 *
 * <p>A read from a pipe or terminal cannot be interrupted, so a daemon thread of its own reads the stream into a
 * small bounded queue (backpressure reaches the writer once it is full) and {@link #run} takes from it: the
 * source stops when the agent does, and a multi-line event is still sent on its timeout while nothing arrives.
 */
final class StdinSource implements Source {
    private static final Logger log = LoggerFactory.getLogger(StdinSource.class);
    private static final byte[] END = new byte[0];
    private static final long POLL_MILLIS = 20;

    private final String name;
    private final LineSettings lines;

    StdinSource(String name, LineSettings lines) {
        this.name = name;
        this.lines = lines;
    }

    @Override
    public void run(SourceContext context) {
        BlockingQueue<byte[]> chunks = new ArrayBlockingQueue<>(4);
        Thread reader = new Thread(() -> read(context.standardInput(), chunks), "polybus-stdin-" + name);
        reader.setDaemon(true);
        reader.start();
        InputProgress progress = context.newInput(0);
        LineAssembler assembler = new LineAssembler(lines, context, progress, Origin.NONE);
        long position = 0;
        try {
            while (!context.stopping()) {
                byte[] chunk = chunks.poll(POLL_MILLIS, TimeUnit.MILLISECONDS);
                if (chunk == null) {
                    if (!assembler.flushIdle(System.nanoTime()) || !context.flush()) {
                        break;
                    }
                    continue;
                }
                if (chunk == END) {
                    assembler.flushAll();
                    break;
                }
                if (!assembler.feed(chunk, 0, chunk.length, position)) {
                    break;
                }
                position += chunk.length;
                if (!context.flush()) {
                    break;
                }
                progress.seal();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            context.flush();
            progress.seal();
        }
    }

    private void read(InputStream in, BlockingQueue<byte[]> chunks) {
        byte[] buffer = new byte[64 * 1024];
        try {
            while (true) {
                int n = in.read(buffer);
                if (n < 0) {
                    break;
                }
                chunks.put(Arrays.copyOf(buffer, n));
            }
        } catch (IOException e) {
            log.warn("source '{}': reading stdin failed, the source stops: {}", name, e.toString());
        } catch (InterruptedException e) {
            return;
        }
        try {
            chunks.put(END);
        } catch (InterruptedException ignored) {
            // the agent is gone
        }
    }
}
