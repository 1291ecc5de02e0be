package dev.tapegrad.autograd.kernel;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * tapegrad's own threads for the kernels that split large work: named daemon threads ({@code
 * tapegrad-kernel-1}, ...), never the common fork-join pool that user code shares.
 *
 * <p>The number of threads a kernel may use, the caller included, is the system property {@value
 * #PROPERTY} read once (default: the number of processors), or what {@link #setThreads} set last.
 * One thread means every kernel runs on its caller.
 *
 * <p>Decisions:
 *
 * <ul>
 *   <li>A kernel cuts its work into a fixed number of parts that never depends on who runs them,
 *       and each part computes its own outputs in the same order as a single thread would, so
 *       results are bit-identical whatever the thread count.
 *   <li>The caller works too: it claims parts like the helpers do, so when the helpers are slow to
 *       wake (a busy machine), the caller takes their parts and the call costs about what one
 *       thread would.
 *   <li>Helpers block while idle; they never spin, so an idle tapegrad takes no processor time from
 *       other work on the machine.
 *   <li>A part that fails does not stop the others; the first failure is rethrown to the caller
 *       once all parts have finished.
 * </ul>
 */
public final class KernelThreads {
  /** The system property that sets the number of threads: a positive integer. */
  public static final String PROPERTY = "tapegrad.threads";

  private static final LinkedBlockingQueue<Job> TICKETS = new LinkedBlockingQueue<>();
  private static final Object START_LOCK = new Object();
  private static volatile int threads = initialThreads();

  /** Helpers started so far; they are never stopped, only left idle. */
  private static volatile int started;

  private KernelThreads() {}

  /** The number of threads a kernel may use, its caller included; at least 1. */
  public static int threads() {
    return threads;
  }

  /**
   * Sets the number of threads a kernel may use, its caller included, and returns the previous
   * value so that a caller can restore it. Takes effect for the next kernel call.
   *
   * @throws IllegalArgumentException if {@code count} is less than 1
   */
  public static int setThreads(int count) {
    if (count < 1) {
      throw new IllegalArgumentException("tapegrad.threads: need at least 1 thread, got " + count);
    }
    int previous = threads;
    threads = count;
    return previous;
  }

  private static int initialThreads() {
    int processors = Runtime.getRuntime().availableProcessors();
    String value = System.getProperty(PROPERTY);
    if (value == null || value.isBlank()) {
      return processors;
    }
    try {
      int count = Integer.parseInt(value.trim());
      if (count >= 1) {
        return count;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    System.getLogger(KernelThreads.class.getName())
        .log(
            System.Logger.Level.WARNING,
            "-D" + PROPERTY + "=" + value + " is not a positive integer; using " + processors);
    return processors;
  }

  /**
   * How long a helper stays awake for the next job, and a caller for its helpers, before parking:
   * long enough to bridge the gap between the products of one training step, short enough that an
   * idle pool costs nothing measurable. {@code -Dtapegrad.threads.spinMicros} overrides it.
   */
  static final long SPIN_NANOS = Long.getLong("tapegrad.threads.spinMicros", 50) * 1000;

  /** Elementwise work from this many elements on is split into chunks between the threads. */
  public static final int ELEMENTWISE_PARALLEL = 1 << 16;

  /**
   * Elements per chunk of split elementwise work: a multiple of every vector length, so each
   * chunk's vector loops cover the same elements as one loop over the whole range would.
   */
  static final int CHUNK = 1 << 14;

  /** Work on the elements {@code [from, to)} of a range. */
  @FunctionalInterface
  public interface Range {
    /** Processes elements {@code [from, to)}. */
    void run(int from, int to);
  }

  /**
   * Runs elementwise work over {@code [0, n)}: in one call below {@link #ELEMENTWISE_PARALLEL}
   * elements, otherwise as chunks of {@value #CHUNK} elements (the last one takes the rest) shared
   * between the threads. The chunks depend on {@code n} only, and every chunk but the last is a
   * whole number of vectors, so each element is computed by the same code whatever the thread
   * count, and as in a single call over the whole range.
   */
  public static void elementwise(int n, Range work) {
    if (n < ELEMENTWISE_PARALLEL) {
      work.run(0, n);
      return;
    }
    int chunks = n / CHUNK;
    run(chunks, c -> work.run(c * CHUNK, c == chunks - 1 ? n : (c + 1) * CHUNK));
  }

  /**
   * Runs independent work on rows {@code [0, n)} as at most {@link #threads()} contiguous parts of
   * nearly equal size, one per thread, and returns when all are done; with one thread, or fewer
   * than two rows, in one call on the caller. The caller must compute each row the same way
   * whatever part it falls in (as {@link Kernels#gemm(int, float[], int, PackedMatrix, float[],
   * int)} does), so the bits do not depend on the thread count. A recurrent layer runs its batch
   * entries' recurrences this way: they depend on each other at no step.
   */
  public static void rows(int n, Range work) {
    int parts = Math.min(threads, n);
    if (parts <= 1) {
      work.run(0, n);
      return;
    }
    run(parts, p -> work.run((int) ((long) n * p / parts), (int) ((long) n * (p + 1) / parts)));
  }

  /**
   * Runs {@code part.accept(p)} for every {@code p < parts}, on up to {@link #threads()} threads,
   * and returns when all have finished. With one thread, or one part, it runs them in order on the
   * caller.
   */
  static void run(int parts, IntConsumer part) {
    int helpers = Math.min(threads, parts) - 1;
    if (helpers <= 0 || Thread.currentThread() instanceof Helper) {
      for (int p = 0; p < parts; p++) {
        part.accept(p);
      }
      return;
    }
    ensureStarted(helpers);
    Job job = new Job(parts, part, Thread.currentThread());
    for (int i = 0; i < helpers; i++) {
      TICKETS.offer(job);
    }
    job.work();
    job.await();
  }

  private static void ensureStarted(int helpers) {
    if (started >= helpers) {
      return; // a stale read only means taking the lock below
    }
    synchronized (START_LOCK) {
      while (started < helpers) {
        Helper helper = new Helper(++started);
        helper.start();
      }
    }
  }

  /** One call of {@link #run}: parts are claimed one at a time by whoever is free. */
  private static final class Job {
    private final int parts;
    private final IntConsumer part;
    private final Thread caller;
    private final AtomicInteger next = new AtomicInteger();
    private final AtomicInteger remaining;
    private volatile Throwable failure;

    Job(int parts, IntConsumer part, Thread caller) {
      this.parts = parts;
      this.part = part;
      this.caller = caller;
      this.remaining = new AtomicInteger(parts);
    }

    void work() {
      for (int p = next.getAndIncrement(); p < parts; p = next.getAndIncrement()) {
        try {
          part.accept(p);
        } catch (Throwable e) {
          if (failure == null) {
            failure = e;
          }
        }
        if (remaining.decrementAndGet() == 0 && Thread.currentThread() != caller) {
          LockSupport.unpark(caller);
        }
      }
    }

    void await() {
      boolean interrupted = false;
      // the other parts usually end within microseconds of this one: wait for them awake first
      for (long deadline = System.nanoTime() + SPIN_NANOS;
          remaining.get() > 0 && System.nanoTime() < deadline; ) {
        Thread.onSpinWait();
      }
      while (remaining.get() > 0) {
        LockSupport.park(this);
        interrupted |= Thread.interrupted();
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
      Throwable e = failure;
      if (e instanceof RuntimeException) {
        throw (RuntimeException) e;
      }
      if (e instanceof Error) {
        throw (Error) e;
      }
      if (e != null) {
        throw new IllegalStateException(e);
      }
    }
  }

  /** A daemon thread that takes jobs from the ticket queue for as long as the JVM runs. */
  private static final class Helper extends Thread {
    Helper(int index) {
      super("tapegrad-kernel-" + index);
      setDaemon(true);
    }

    @Override
    public void run() {
      while (true) {
        // a product split between threads wakes its helpers once per call: waiting awake for a
        // short while after each job saves the wake-up (tens of microseconds) on the next one
        Job job = TICKETS.poll();
        for (long deadline = System.nanoTime() + SPIN_NANOS;
            job == null && System.nanoTime() < deadline; ) {
          Thread.onSpinWait();
          job = TICKETS.poll();
        }
        if (job == null) {
          try {
            job = TICKETS.take();
          } catch (InterruptedException e) {
            continue; // nobody but the JVM owns these threads; keep serving
          }
        }
        job.work();
      }
    }
  }
}
