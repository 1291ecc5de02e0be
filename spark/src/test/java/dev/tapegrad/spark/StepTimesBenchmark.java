package dev.tapegrad.spark;

import dev.tapegrad.autograd.Functional;
import dev.tapegrad.autograd.Tensor;
import dev.tapegrad.nn.Block;
import dev.tapegrad.nn.Linear;
import dev.tapegrad.optim.Sgd;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.function.ToLongFunction;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * Measures data-parallel step times on {@code local[N]} (not a test: a program, run by hand as
 * docs/spark.md says): against the number of partitions (1, 2, 4, one core each) and the number of
 * parameters (about 100k, 1M and 10M), with the split of {@link StepTimings}, next to the same step
 * on one machine without Spark.
 *
 * <p>Arguments: {@code [steps per configuration] [global batch]}, default 8 and 64.
 */
public final class StepTimesBenchmark {
  private StepTimesBenchmark() {}

  static final int IN = 64;
  static final int WARMUP = 5;
  static final int CLASSES = 10;

  /** A square two-layer perceptron: d x d, tanh, then d x 10. */
  static final class Wide extends Block {
    final Linear first;
    final Linear second;
    final Linear head;

    Wide(int width, long seed) {
      Random random = new Random(seed);
      first = registerBlock("first", new Linear(IN, width, random));
      second = registerBlock("second", new Linear(width, width, random));
      head = registerBlock("head", new Linear(width, CLASSES, random));
    }

    Tensor forward(List<float[]> batch) {
      float[] flat = new float[batch.size() * IN];
      for (int i = 0; i < batch.size(); i++) {
        System.arraycopy(batch.get(i), 0, flat, i * IN, IN);
      }
      return head.forward(
          second.forward(first.forward(Tensor.of(flat, batch.size(), IN)).tanh()).tanh());
    }
  }

  static int[] labels(List<float[]> batch) {
    int[] out = new int[batch.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = Math.floorMod(Float.floatToIntBits(batch.get(i)[0]), CLASSES);
    }
    return out;
  }

  public static void main(String[] args) throws Exception {
    int steps = args.length > 0 ? Integer.parseInt(args[0]) : 8;
    int batch = args.length > 1 ? Integer.parseInt(args[1]) : 64;
    Random random = new Random(1);
    List<float[]> examples = new ArrayList<>();
    for (int i = 0; i < 2048; i++) {
      float[] x = new float[IN];
      for (int j = 0; j < IN; j++) {
        x[j] = (float) random.nextGaussian();
      }
      examples.add(x);
    }
    // widths for about 100k, 1M and 10M parameters
    int[] widths = {280, 960, 3120};
    System.out.printf(
        Locale.ROOT,
        "global batch %d, %d measured steps after %d warm-up steps; times in ms (median step; mean split)%n",
        batch,
        steps,
        WARMUP);
    System.out.printf(
        Locale.ROOT,
        "%-9s %-11s %9s %9s %10s %10s %9s %10s %8s%n",
        "master",
        "parameters",
        "step",
        "examples/s",
        "scheduling",
        "broadcast",
        "compute",
        "aggregate",
        "update");
    for (int width : widths) {
      single(width, examples, batch, steps);
    }
    for (int n : new int[] {1, 2, 4}) {
      JavaSparkContext sc = Fixtures.context("local[" + n + "]", "StepTimesBenchmark");
      sc.setLogLevel("WARN");
      try {
        JavaRDD<float[]> data = sc.parallelize(examples, n);
        for (int width : widths) {
          run(sc, data, "local[" + n + "]", width, batch, steps);
        }
      } finally {
        sc.stop();
      }
    }
  }

  private static void single(int width, List<float[]> examples, int batch, int steps) {
    Wide model = new Wide(width, 3);
    Sgd sgd = new Sgd(model.parameters(), Sgd.options().lr(1e-3));
    Random random = new Random(2);
    long[] times = new long[steps];
    for (int s = -WARMUP; s < steps; s++) {
      long start = System.nanoTime();
      List<float[]> b = new ArrayList<>();
      for (int i = 0; i < batch; i++) {
        b.add(examples.get(random.nextInt(examples.size())));
      }
      sgd.zeroGrad();
      Functional.crossEntropy(model.forward(b), labels(b)).backward();
      sgd.step();
      if (s >= 0) {
        times[s] = System.nanoTime() - start;
      }
    }
    Arrays.sort(times);
    double ms = times[steps / 2] / 1e6;
    System.out.printf(
        Locale.ROOT,
        "%-9s %,11d %9.1f %10.0f %10s %10s %9.1f %10s %8s%n",
        "one JVM",
        model.numParameters(),
        ms,
        batch / ms * 1e3,
        "-",
        "-",
        ms,
        "-",
        "-");
  }

  private static void run(
      JavaSparkContext sc, JavaRDD<float[]> data, String master, int width, int batch, int steps) {
    Wide model = new Wide(width, 3);
    Sgd sgd = new Sgd(model.parameters(), Sgd.options().lr(1e-3));
    BlockFactory<Wide> factory = () -> new Wide(width, 0);
    BatchLoss<Wide, float[]> loss =
        (m, b) -> Functional.crossEntropy(m.forward(b), labels(b)).mul(b.size());
    try (var trainer =
        DataParallelTrainer.builder(data, factory, loss).globalBatch(batch).build(model, sgd)) {
      List<StepTimings> measured = new ArrayList<>();
      for (int s = -WARMUP; s < steps; s++) {
        StepTimings t = trainer.step(s + WARMUP);
        if (s >= 0) {
          measured.add(t);
        }
      }
      long[] times = measured.stream().mapToLong(StepTimings::stepNanos).sorted().toArray();
      double ms = times[steps / 2] / 1e6;
      System.out.printf(
          Locale.ROOT,
          "%-9s %,11d %9.1f %10.0f %10.1f %10.1f %9.1f %10.1f %8.1f%n",
          master,
          model.numParameters(),
          ms,
          batch / ms * 1e3,
          mean(measured, StepTimings::schedulingNanos),
          mean(measured, StepTimings::broadcastNanos),
          mean(measured, StepTimings::computeNanos),
          mean(measured, StepTimings::aggregateNanos),
          mean(measured, StepTimings::updateNanos));
    }
  }

  private static double mean(List<StepTimings> ts, ToLongFunction<StepTimings> part) {
    return ts.stream().mapToLong(part).average().orElse(0) / 1e6;
  }
}
