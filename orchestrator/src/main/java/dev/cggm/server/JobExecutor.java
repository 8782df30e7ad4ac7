package dev.cggm.server;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * A bounded executor for long jobs: at most {@code slots} execute at once, the rest wait in a
 * FIFO queue. Each job runs on its own thread with a large stack ({@link #STACK_BYTES}): a job may
 * be the first code to reach ONNX Runtime's native initialisation, which overflows a default 1 MB
 * Java thread stack (the JVM dies with SIGSEGV) — the CLI runs on a thread of the same size.
 */
final class JobExecutor {
    private static final Logger LOG = LoggerFactory.getLogger(JobExecutor.class);
    static final long STACK_BYTES = 64L << 20;

    /** A job the executor can run. */
    interface Task {
        String id();

        /** Executes the job; returns when it ended, paused or failed (never throws). */
        void execute();
    }

    private final String name;
    private final int slots;
    private final Deque<Task> queue = new ArrayDeque<>();
    private final List<Thread> running = new ArrayList<>();
    private boolean started;
    private boolean stopped;

    JobExecutor(String name, int slots) {
        this.name = name;
        this.slots = slots;
    }

    /** Starts dispatching (jobs submitted before wait in the queue: the server recovers jobs before it listens). */
    synchronized void start() {
        started = true;
        dispatch();
    }

    /** Queues a job; it starts when a slot is free. */
    synchronized void submit(Task task) {
        if (stopped) {
            return; // shutting down: the job stays QUEUED on disk and is scheduled at the next start
        }
        queue.addLast(task);
        dispatch();
    }

    /** Takes a job out of the queue (paused or cancelled while waiting); false if it was not queued. */
    synchronized boolean remove(Task task) {
        return queue.remove(task);
    }

    synchronized int queued() {
        return queue.size();
    }

    synchronized int executing() {
        return running.size();
    }

    private void dispatch() {
        while (started && !stopped && running.size() < slots && !queue.isEmpty()) {
            Task task = queue.pollFirst();
            Thread t = new Thread(null, () -> run(task), name + "-" + task.id(), STACK_BYTES);
            t.setDaemon(true); // shutdown waits for jobs explicitly (bounded by the grace period)
            running.add(t);
            t.start();
        }
    }

    private void run(Task task) {
        try {
            task.execute();
        } catch (Throwable e) {
            LOG.error("job {} ended with an unexpected error", task.id(), e);
        } finally {
            synchronized (this) {
                running.remove(Thread.currentThread());
                notifyAll();
                dispatch();
            }
        }
    }

    /** Stops starting jobs; queued ones stay queued (on disk). */
    synchronized void stop() {
        stopped = true;
    }

    /** Waits until no job executes, at most {@code timeout}; true if none does. */
    synchronized boolean awaitIdle(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!running.isEmpty()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            wait(Math.max(1, left / 1_000_000));
        }
        return true;
    }
}
