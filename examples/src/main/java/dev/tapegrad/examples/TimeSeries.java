package dev.tapegrad.examples;

import dev.tapegrad.autograd.Autograd;
import dev.tapegrad.autograd.Functional;
import dev.tapegrad.autograd.Tensor;
import dev.tapegrad.nn.Gru;
import dev.tapegrad.nn.Linear;
import dev.tapegrad.nn.Sequential;
import dev.tapegrad.nn.Tanh;
import dev.tapegrad.nn.TimeDelay;
import dev.tapegrad.optim.Adam;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * One-step-ahead prediction of a noisy compound wave with a time-delay network (TDNN) and with a
 * GRU, against the baseline that repeats the last value.
 *
 * <pre>
 *   s_t = sin(2 pi t / 40) + 0.5 sin(2 pi t / 13 + 1) + 0.1 noise_t
 *   TDNN: s_{t+1} from the window s_{t-8} .. s_t    (three TimeDelay layers, dilations 1, 2, 1)
 *   GRU:  s_{t+1} from h_t = GRU(s_t, h_{t-1})
 * </pre>
 */
@Command(
    name = "time-series",
    mixinStandardHelpOptions = true,
    description = "Predict a noisy compound wave one step ahead with a TDNN and a GRU.")
public final class TimeSeries implements Callable<Integer> {
  @Option(names = "--length", description = "length of the series (default: ${DEFAULT-VALUE})")
  int length = 1500;

  @Option(names = "--steps", description = "training steps per model (default: ${DEFAULT-VALUE})")
  int steps = 400;

  @Option(names = "--seed", description = "seed (default: ${DEFAULT-VALUE})")
  long seed = 11;

  @Option(names = "--export-onnx", description = "also write the trained TDNN as an ONNX file (opset 17)")
  Path exportOnnx;

  @Option(names = "--out", description = "folder for the plot (default: ${DEFAULT-VALUE})")
  Path out = Path.of("out", "time-series");

  /** What a run reports: test mean squared errors. */
  record Report(double tdnnMse, double gruMse, double lastValueMse, Path plot) {}

  private Report report;
  PrintStream console = System.out;

  Report report() {
    return report;
  }

  @Override
  public Integer call() {
    Random random = new Random(seed);
    float[] series = new float[length];
    for (int t = 0; t < length; t++) {
      series[t] = (float) (Math.sin(2 * Math.PI * t / 40) + 0.5 * Math.sin(2 * Math.PI * t / 13 + 1) + 0.1 * random.nextGaussian());
    }
    int split = (int) (length * 0.8);

    // TDNN: receptive field 1 + 4 + 4 = 9 frames
    Sequential tdnn = new Sequential(new TimeDelay(1, 16, 5, 1, random), new Tanh(), new TimeDelay(16, 16, 3, 2, random), new Tanh(), new TimeDelay(16, 1, 1, 1, random));
    int field = 9;
    Adam adamT = new Adam(tdnn.parameters(), Adam.options().lr(0.01));
    Tensor trainIn = Tensor.of(java.util.Arrays.copyOfRange(series, 0, split - 1), 1, split - 1, 1);
    Tensor trainOut = Tensor.of(java.util.Arrays.copyOfRange(series, field, split), 1, split - field, 1);
    for (int step = 1; step <= steps; step++) {
      Tensor loss = Functional.mseLoss(tdnn.forward(trainIn), trainOut);
      adamT.zeroGrad();
      loss.backward();
      adamT.step();
    }

    // GRU over windows of 100 steps
    Gru gru = Gru.builder(1, 32).batchFirst(true).build(random);
    Linear head = new Linear(32, 1, random);
    List<Tensor> gruParams = new ArrayList<>(gru.parameters());
    gruParams.addAll(head.parameters());
    Adam adamG = new Adam(gruParams, Adam.options().lr(0.01));
    int window = 100;
    int batch = 16;
    for (int step = 1; step <= steps; step++) {
      float[] in = new float[batch * window];
      float[] target = new float[batch * window];
      for (int b = 0; b < batch; b++) {
        int offset = random.nextInt(split - window - 1);
        System.arraycopy(series, offset, in, b * window, window);
        System.arraycopy(series, offset + 1, target, b * window, window);
      }
      Tensor prediction = head.forward(gru.forward(Tensor.of(in, batch, window, 1)).output());
      Tensor loss = Functional.mseLoss(prediction, Tensor.of(target, batch, window, 1));
      adamG.zeroGrad();
      loss.backward();
      adamG.step();
    }

    // Test: predict s_{t+1} for every t in the held-out part, from all the history before it.
    int from = split;
    int count = length - 1 - from;
    float[] tdnnPrediction;
    float[] gruPrediction;
    try (var scope = Autograd.noGrad()) {
      tdnn.eval();
      Tensor history = Tensor.of(java.util.Arrays.copyOfRange(series, from - field + 1, length - 1), 1, count + field - 1, 1);
      tdnnPrediction = tdnn.forward(history).toFloatArray();
      if (exportOnnx != null) ExampleOnnx.export(tdnn, history, "series", "prediction", exportOnnx, console, "time");
      Tensor all = Tensor.of(java.util.Arrays.copyOfRange(series, 0, length - 1), 1, length - 1, 1);
      float[] allPredictions = head.forward(gru.forward(all).output()).toFloatArray();
      gruPrediction = java.util.Arrays.copyOfRange(allPredictions, from, length - 1);
    }
    double tdnnMse = 0;
    double gruMse = 0;
    double lastMse = 0;
    for (int i = 0; i < count; i++) {
      float truth = series[from + i + 1];
      tdnnMse += sq(tdnnPrediction[i] - truth);
      gruMse += sq(gruPrediction[i] - truth);
      lastMse += sq(series[from + i] - truth);
    }
    tdnnMse /= count;
    gruMse /= count;
    lastMse /= count;
    console.printf(Locale.ROOT, "test mean squared error, one step ahead over %d points:%n", count);
    console.printf(Locale.ROOT, "  TDNN        %.5f%n  GRU         %.5f%n  last value  %.5f%n", tdnnMse, gruMse, lastMse);
    console.printf(Locale.ROOT, "  (noise floor: the noise variance is %.5f)%n", 0.01);

    int shown = Math.min(200, count);
    double[] x = new double[shown];
    double[] truth = new double[shown];
    double[] t1 = new double[shown];
    double[] g1 = new double[shown];
    for (int i = 0; i < shown; i++) {
      x[i] = from + i + 1;
      truth[i] = series[from + i + 1];
      t1[i] = tdnnPrediction[i];
      g1[i] = gruPrediction[i];
    }
    Path plot = Charts.lineChart(out.resolve("prediction.png"), "one step ahead on held-out data", "t", "s", false, List.of(
        Charts.Series.points("truth", x, truth), Charts.Series.line("TDNN", x, t1), Charts.Series.line("GRU", x, g1)));
    console.println("plot: " + plot);
    report = new Report(tdnnMse, gruMse, lastMse, plot);
    return 0;
  }

  private static double sq(double v) {
    return v * v;
  }
}
