package dev.tapegrad.spark;

import java.util.Locale;

/**
 * What one distributed training step (or averaging round) did and where its time went, as the
 * driver sees it.
 *
 * <p>The parts, in nanoseconds:
 *
 * <ul>
 *   <li>{@code broadcastNanos}: putting the parameters into a broadcast on the driver, plus the
 *       slowest task's fetch of it;
 *   <li>{@code computeNanos}: the slowest task's own work (drawing its examples, forward, backward,
 *       and for averaging its local optimizer steps);
 *   <li>{@code aggregateNanos}: adding the partitions' vectors, summed over the JVMs that did it,
 *       and applying the result on the driver (gradients, or averaged parameters and state);
 *   <li>{@code schedulingNanos}: the rest of the Spark job's wall time: job and task scheduling,
 *       shipping closures and results, waiting for a busy executor;
 *   <li>{@code updateNanos}: the optimizer step on the driver (zero when the executors run the
 *       optimizer, as in averaging).
 * </ul>
 *
 * @param step the step (or round) number
 * @param loss the mean training loss of the step's examples
 * @param examples the number of examples the step trained on
 * @param stepNanos the wall time of the whole step
 */
public record StepTimings(
    long step,
    double loss,
    long examples,
    long stepNanos,
    long schedulingNanos,
    long broadcastNanos,
    long computeNanos,
    long aggregateNanos,
    long updateNanos) {

  /** Examples trained on per second of wall time. */
  public double examplesPerSecond() {
    return stepNanos == 0 ? 0 : examples * 1e9 / stepNanos;
  }

  /** One log line: step, loss, step time, examples per second, and the split of the time. */
  @Override
  public String toString() {
    return String.format(
        Locale.ROOT,
        "step %d: loss %.5f, %.1f ms, %.0f examples/s (scheduling %.1f, broadcast %.1f, compute %.1f, aggregate %.1f, update %.1f ms)",
        step,
        loss,
        stepNanos / 1e6,
        examplesPerSecond(),
        schedulingNanos / 1e6,
        broadcastNanos / 1e6,
        computeNanos / 1e6,
        aggregateNanos / 1e6,
        updateNanos / 1e6);
  }
}
