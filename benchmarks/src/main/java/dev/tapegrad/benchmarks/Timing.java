package dev.tapegrad.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * A plain timing loop for side-by-side comparisons: warm up, then the median of several samples,
 * each a batch of calls long enough to dwarf the clock's resolution. {@code tools/bench_torch.py}
 * times PyTorch with the same procedure. JMH gives the precise numbers; this gives one table.
 *
 * <p>The clock is wall time, or the calling thread's CPU time: on a machine shared with other work
 * that measures what the work itself costs, but only single-threaded work.
 */
final class Timing {
  private final double warmupSeconds;
  private final double sampleSeconds;
  private final int samples;
  private final LongSupplier clock;
  /** Keeps each result reachable so the JIT cannot drop the work. */
  private volatile Object sink;

  Timing(double warmupSeconds, double sampleSeconds, int samples) {
    this(warmupSeconds, sampleSeconds, samples, false);
  }

  /** As above; {@code cpuTime} measures the calling thread's CPU time instead of wall time. */
  Timing(double warmupSeconds, double sampleSeconds, int samples, boolean cpuTime) {
    this.warmupSeconds = warmupSeconds;
    this.sampleSeconds = sampleSeconds;
    this.samples = samples;
    if (cpuTime) {
      ThreadMXBean threads = ManagementFactory.getThreadMXBean();
      this.clock = threads::getCurrentThreadCpuTime;
    } else {
      this.clock = System::nanoTime;
    }
  }

  /**
   * The median time of one call of {@code task}, in seconds. The warm-up lasts at least {@code
   * warmupSeconds} and then until two consecutive windows agree within 10% (at most 30 seconds):
   * Vector API code runs a hundred times slower until C2 has compiled it, which can take seconds
   * on a busy machine.
   */
  double median(Supplier<?> task) {
    long start = clock.getAsLong();
    long minEnd = start + (long) (warmupSeconds * 1e9);
    long maxEnd = start + 30_000_000_000L;
    double previous = Double.NaN;
    double perCall;
    while (true) {
      perCall = runFor(task, Math.max(0.1, warmupSeconds / 4));
      long now = clock.getAsLong();
      boolean stable = Math.abs(perCall - previous) <= 0.1 * Math.min(perCall, previous);
      if (now >= maxEnd || (now >= minEnd && stable)) {
        break;
      }
      previous = perCall;
    }
    int batch = (int) Math.max(1, Math.min(1_000_000, sampleSeconds / perCall));
    double[] times = new double[samples];
    for (int s = 0; s < samples; s++) {
      long t0 = clock.getAsLong();
      for (int i = 0; i < batch; i++) {
        sink = task.get();
      }
      times[s] = (clock.getAsLong() - t0) / 1e9 / batch;
    }
    Arrays.sort(times);
    return times[samples / 2];
  }

  /** Calls {@code task} for about {@code seconds} (at least 3 times); the mean time per call. */
  double runFor(Supplier<?> task, double seconds) {
    long start = clock.getAsLong();
    long end = start + (long) (seconds * 1e9);
    long calls = 0;
    do {
      sink = task.get();
      calls++;
    } while (clock.getAsLong() < end || calls < 3);
    return (clock.getAsLong() - start) / 1e9 / calls;
  }
}
