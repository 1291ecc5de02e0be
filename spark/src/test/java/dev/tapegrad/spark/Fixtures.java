package dev.tapegrad.spark;

import dev.tapegrad.autograd.Functional;
import dev.tapegrad.autograd.Tensor;
import dev.tapegrad.nn.Block;
import dev.tapegrad.nn.Linear;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/** A small classification task, its model and loss, and Spark contexts bound to loopback. */
final class Fixtures {
  private Fixtures() {}

  /** How many models the test factories have built in this JVM (the driver and local executors). */
  static final AtomicInteger BUILDS = new AtomicInteger();

  /** One example: features and a class. */
  record Example(float[] x, int label) implements Serializable {}

  /** A two-layer perceptron: linear, tanh, linear. */
  static final class Mlp extends Block {
    final Linear hidden;
    final Linear out;

    Mlp(int in, int width, int classes, long seed) {
      Random random = new Random(seed);
      hidden = registerBlock("hidden", new Linear(in, width, random));
      out = registerBlock("out", new Linear(width, classes, random));
    }

    Tensor forward(Tensor x) {
      return out.forward(hidden.forward(x).tanh());
    }

    Tensor forward(List<Example> batch) {
      int in = batch.get(0).x().length;
      float[] flat = new float[batch.size() * in];
      for (int i = 0; i < batch.size(); i++) {
        System.arraycopy(batch.get(i).x(), 0, flat, i * in, in);
      }
      return forward(Tensor.of(flat, batch.size(), in));
    }
  }

  static final int IN = 6;
  static final int WIDTH = 16;
  static final int CLASSES = 3;

  /** The factory the tests ship to executors; it counts its builds. */
  static BlockFactory<Mlp> factory() {
    return () -> {
      BUILDS.incrementAndGet();
      return new Mlp(IN, WIDTH, CLASSES, 99);
    };
  }

  static Mlp model(long seed) {
    return new Mlp(IN, WIDTH, CLASSES, seed);
  }

  static int[] labels(List<Example> batch) {
    int[] out = new int[batch.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = batch.get(i).label();
    }
    return out;
  }

  /** The summed cross-entropy of a batch. */
  static BatchLoss<Mlp, Example> loss() {
    return (model, batch) ->
        Functional.crossEntropy(model.forward(batch), labels(batch)).mul(batch.size());
  }

  /**
   * Examples whose class is the largest of three fixed linear functions of the features, plus
   * noise.
   */
  static List<Example> examples(int n, long seed) {
    Random random = new Random(seed);
    float[][] w = new float[CLASSES][IN];
    for (float[] row : w) {
      for (int j = 0; j < IN; j++) {
        row[j] = (float) random.nextGaussian();
      }
    }
    List<Example> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      float[] x = new float[IN];
      for (int j = 0; j < IN; j++) {
        x[j] = (float) random.nextGaussian();
      }
      int best = 0;
      double bestScore = Double.NEGATIVE_INFINITY;
      for (int c = 0; c < CLASSES; c++) {
        double s = 0.3 * random.nextGaussian();
        for (int j = 0; j < IN; j++) {
          s += w[c][j] * x[j];
        }
        if (s > bestScore) {
          bestScore = s;
          best = c;
        }
      }
      out.add(new Example(x, best));
    }
    return out;
  }

  /** A context on {@code master}, bound to 127.0.0.1, without UI. */
  static JavaSparkContext context(String master, String name) {
    SparkConf conf =
        new SparkConf()
            .setMaster(master)
            .setAppName(name)
            .set("spark.driver.host", "127.0.0.1")
            .set("spark.driver.bindAddress", "127.0.0.1")
            .set("spark.ui.enabled", "false")
            .set("spark.ui.showConsoleProgress", "false");
    return new JavaSparkContext(conf);
  }

  static float[] flat(Block model) {
    return Flat.values(model.parameters());
  }

  /** ||a - b|| / ||b|| in the 2-norm. */
  static double relativeDifference(float[] a, float[] b) {
    double diff = 0;
    double norm = 0;
    for (int i = 0; i < a.length; i++) {
      diff += ((double) a[i] - b[i]) * ((double) a[i] - b[i]);
      norm += (double) b[i] * b[i];
    }
    return Math.sqrt(diff / norm);
  }

  /** The largest |a - b| / max(|b|, floor) over the elements. */
  static double maxRelativeDifference(float[] a, float[] b, double floor) {
    double worst = 0;
    for (int i = 0; i < a.length; i++) {
      worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(Math.abs(b[i]), floor));
    }
    return worst;
  }

  /** The mean cross-entropy of {@code model} over {@code examples}. */
  static double meanLoss(Mlp model, List<Example> examples) {
    return Functional.crossEntropy(model.forward(examples), labels(examples)).item();
  }
}
