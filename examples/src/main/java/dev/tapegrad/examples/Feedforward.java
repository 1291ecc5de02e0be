package dev.tapegrad.examples;

import dev.tapegrad.autograd.Autograd;
import dev.tapegrad.autograd.Functional;
import dev.tapegrad.autograd.Profiler;
import dev.tapegrad.autograd.Tensor;
import dev.tapegrad.data.DataLoader;
import dev.tapegrad.data.Dataset;
import dev.tapegrad.nn.Linear;
import dev.tapegrad.nn.Sequential;
import dev.tapegrad.nn.Tanh;
import dev.tapegrad.optim.Adam;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The network the notes begin with: one input, two hidden layers of M and N neurons, one output,
 * fitted with mean squared error to a 1-D function.
 *
 * <pre>
 *   y = W3 tanh(W2 tanh(W1 x + b1) + b2) + b3,   W1: [M, 1], W2: [N, M], W3: [1, N]
 * </pre>
 *
 * <p>One forward pass on one input multiplies {@code M + M·N + N} times (one per weight); the
 * example counts the multiplications with the tape {@link Profiler} and prints both.
 */
@Command(
    name = "feedforward",
    mixinStandardHelpOptions = true,
    description = {
      "Fit a 1-D function with a 1-M-N-1 network and count its multiplications.",
      "A relative --out is resolved against the working directory."
    })
public final class Feedforward implements Callable<Integer> {
  @Option(
      names = "-m",
      description = "neurons in the first hidden layer (default: ${DEFAULT-VALUE})")
  int m = 24;

  @Option(
      names = "-n",
      description = "neurons in the second hidden layer (default: ${DEFAULT-VALUE})")
  int n = 16;

  @Option(names = "--steps", description = "full-batch training steps (default: ${DEFAULT-VALUE})")
  int steps = 3000;

  @Option(names = "--lr", description = "learning rate of Adam (default: ${DEFAULT-VALUE})")
  double lr = 0.01;

  @Option(names = "--seed", description = "seed (default: ${DEFAULT-VALUE})")
  long seed = 1;

  @Option(
      names = "--out",
      description = "folder for the plot (default: ${DEFAULT-VALUE}, under the working directory)")
  Path out = Path.of("out", "feedforward");

  /** What a run reports. */
  record Report(long countedMultiplications, long formula, double finalMse, Path plot) {}

  private Report report;
  PrintStream console = System.out;

  Report report() {
    return report;
  }

  /** The function to fit. */
  static double target(double x) {
    return Math.sin(2 * x) + 0.3 * x * x - 0.5;
  }

  /** Inputs {@code [N, 1]} and targets {@code [N, 1]} of a list of {@code (x, y)} pairs. */
  static Tensor[] collate(List<float[]> samples) {
    float[] x = new float[samples.size()];
    float[] y = new float[samples.size()];
    for (int i = 0; i < x.length; i++) {
      x[i] = samples.get(i)[0];
      y[i] = samples.get(i)[1];
    }
    return new Tensor[] {Tensor.of(x, x.length, 1), Tensor.of(y, y.length, 1)};
  }

  @Override
  public Integer call() {
    Random random = new Random(seed);
    Sequential model =
        new Sequential(
            new Linear(1, m, random),
            new Tanh(),
            new Linear(m, n, random),
            new Tanh(),
            new Linear(n, 1, random));
    console.println(model);

    long counted;
    try (var scope = Autograd.noGrad();
        Profiler profiler = Profiler.start()) {
      model.forward(Tensor.of(new float[] {0.5f}, 1, 1));
      counted = profiler.totalMultiplyAdds();
      console.println("one forward pass, as counted by the profiler:");
      console.println(profiler.report());
    }
    long formula = (long) m + (long) m * n + n;
    console.printf(
        Locale.ROOT,
        "multiplications: counted %d, formula M + M*N + N = %d + %d + %d = %d%n",
        counted,
        m,
        m * n,
        n,
        formula);

    int points = 200;
    float[] xs = new float[points];
    float[] ys = new float[points];
    for (int i = 0; i < points; i++) {
      xs[i] = -2f + 4f * i / (points - 1);
      ys[i] = (float) target(xs[i]);
    }
    Tensor x = Tensor.of(xs, points, 1);
    // full batch: one batch of every point, in order (the gradient of a full batch does not depend
    // on the order); the targets are values, so the collate is our own rather than Collate.stack()
    Dataset<float[]> samples = Dataset.fromFunction(points, i -> new float[] {xs[i], ys[i]});
    DataLoader<float[], Tensor[]> loader =
        DataLoader.builder(samples, Feedforward::collate).batchSize(points).build();
    Adam adam = new Adam(model.parameters(), Adam.options().lr(lr));
    double mse = Double.NaN;
    for (int step = 1; step <= steps; step++) {
      Tensor[] batch = loader.batch(step - 1, 0);
      Tensor loss = Functional.mseLoss(model.forward(batch[0]), batch[1]);
      adam.zeroGrad();
      loss.backward();
      adam.step();
      mse = loss.item();
      if (step % Math.max(1, steps / 5) == 0) {
        console.printf(Locale.ROOT, "step %5d  mse %.5f%n", step, mse);
      }
    }
    float[] fit;
    try (var scope = Autograd.noGrad()) {
      fit = model.forward(x).toFloatArray();
    }
    double[] dx = new double[points];
    double[] dy = new double[points];
    double[] df = new double[points];
    for (int i = 0; i < points; i++) {
      dx[i] = xs[i];
      dy[i] = ys[i];
      df[i] = fit[i];
    }
    Path plot =
        Charts.lineChart(
            out.resolve("fit.png"),
            String.format(Locale.ROOT, "1-%d-%d-1 network, mse %.1e", m, n, mse),
            "x",
            "y",
            false,
            List.of(
                Charts.Series.line("sin(2x) + 0.3x^2 - 0.5", dx, dy),
                Charts.Series.line("network", dx, df)));
    console.println("plot: " + plot.toAbsolutePath());
    report = new Report(counted, formula, mse, plot);
    return 0;
  }
}
