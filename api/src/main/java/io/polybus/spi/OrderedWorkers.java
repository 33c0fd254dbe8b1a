package io.polybus.spi;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fixed set of single-threaded lanes for running handlers: tasks with the same lane hash run one at a
 * time in submission order, tasks of different lanes in parallel. This is how a consumer with
 * concurrency above one keeps per-key (or per-partition) order. The queues are unbounded: the consumer's
 * prefetch bounds what is submitted.
 */
public final class OrderedWorkers {
    private final ThreadPoolExecutor[] lanes;

    public OrderedWorkers(String threadNamePrefix, int threads) {
        lanes = new ThreadPoolExecutor[threads];
        AtomicInteger n = new AtomicInteger();
        ThreadFactory factory = r -> {
            Thread t = new Thread(r, threadNamePrefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        for (int i = 0; i < threads; i++) {
            lanes[i] = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), factory);
        }
    }

    public int size() {
        return lanes.length;
    }

    /** Runs {@code task} on the lane of {@code laneHash}, after the tasks submitted to that lane before it. */
    public void execute(int laneHash, Runnable task) {
        lanes[Math.floorMod(laneHash, lanes.length)].execute(task);
    }

    /**
     * Stops the lanes: tasks not yet started are not run but returned, so that the caller can hand their
     * deliveries back; running tasks may finish within {@code timeout}.
     *
     * @return the tasks that never started
     */
    public List<Runnable> shutdown(Duration timeout) {
        List<Runnable> notStarted = new ArrayList<>();
        for (ThreadPoolExecutor lane : lanes) {
            lane.getQueue().drainTo(notStarted);
            lane.shutdown();
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        for (ThreadPoolExecutor lane : lanes) {
            try {
                if (!lane.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    lane.shutdownNow();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                lane.shutdownNow();
            }
        }
        return notStarted;
    }
}
