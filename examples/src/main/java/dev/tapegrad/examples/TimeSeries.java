package dev.tapegrad.examples;

import dev.tapegrad.autograd.Autograd;
import dev.tapegrad.autograd.Functional;
import dev.tapegrad.autograd.Tensor;
import dev.tapegrad.data.DataLoader;
import dev.tapegrad.data.Dataset;
import dev.tapegrad.data.Padding;
import dev.tapegrad.data.Split;
import dev.tapegrad.nn.Gru;
import dev.tapegrad.nn.Linear;
import dev.tapegrad.nn.Sequential;
import dev.tapegrad.nn.Tanh;
import dev.tapegrad.nn.TimeDelay;
import dev.tapegrad.optim.Adam;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
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
 *
 * <p>The series is cut in time order ({@link Split#ordered}: the model never sees the future it is
 * scored on). The GRU trains on windows of the training part of different lengths (40 to 100
 * steps): a {@link DataLoader} buckets them by length, {@link Padding} pads each batch and returns
 * the lengths the GRU takes, and the loss counts only the real steps of each window.
 */
@Command(
    name = "time-series",
    mixinStandardHelpOptions = true,
    description = {
      "Predict a noisy compound wave one step ahead with a TDNN and a GRU.",
      "A relative --out is resolved against the working directory."
    })
public final class TimeSeries implements Callable<Integer> {
  @Option(
      names = "--length",
      description = "length of the generated series (default: ${DEFAULT-VALUE})")
  int length = 1500;

  @Option(
      names = "--csv",
      description =
          "read the series from a column of this CSV file (with a header row) instead of generating it")
  Path csv;

  @Option(names = "--column", description = "the CSV column to read (default: the first)")
  String column;

  @Option(names = "--steps", description = "training steps per model (default: ${DEFAULT-VALUE})")
  int steps = 400;

  @Option(names = "--seed", description = "seed (default: ${DEFAULT-VALUE})")
  long seed = 11;

  @Option(
      names = "--export-onnx",
      description = "also write the trained TDNN as an ONNX file (opset 17)")
  Path exportOnnx;

  @Option(
      names = "--out",
      description = "folder for the plot (default: ${DEFAULT-VALUE}, under the working directory)")
  Path out = Path.of("out", "time-series");

  /** What a run reports: test mean squared errors. */
  record Report(double tdnnMse, double gruMse, double lastValueMse, Path plot) {}

  private Report report;
  PrintStream console = System.out;

  Report report() {
    return report;
  }

  @Override
  public Integer call() throws IOException {
    Random random = new Random(seed);
    float[] series;
    if (csv != null) {
      series = Csv.column(csv, column);
      length = series.length;
      if (length < 300) {
        throw new IllegalArgumentException(
            "time-series: " + csv + " has " + length + " values; at least 300 are needed");
      }
      console.printf(Locale.ROOT, "time-series: %d values from %s%n", length, csv);
    } else {
      series = new float[length];
      for (int t = 0; t < length; t++) {
        series[t] =
            (float)
                (Math.sin(2 * Math.PI * t / 40)
                    + 0.5 * Math.sin(2 * Math.PI * t / 13 + 1)
                    + 0.1 * random.nextGaussian());
      }
    }
    Split<Integer> times = Split.ordered(Dataset.fromFunction(length, t -> t), 0.8, 0, 0.2);
    int split = times.train().size();

    // TDNN: receptive field 1 + 4 + 4 = 9 frames
    Sequential tdnn =
        new Sequential(
            new TimeDelay(1, 16, 5, 1, random),
            new Tanh(),
            new TimeDelay(16, 16, 3, 2, random),
            new Tanh(),
            new TimeDelay(16, 1, 1, 1, random));
    int field = 9;
    Adam adamT = new Adam(tdnn.parameters(), Adam.options().lr(0.01));
    Tensor trainIn = Tensor.of(Arrays.copyOfRange(series, 0, split - 1), 1, split - 1, 1);
    Tensor trainOut = Tensor.of(Arrays.copyOfRange(series, field, split), 1, split - field, 1);
    for (int step = 1; step <= steps; step++) {
      Tensor loss = Functional.mseLoss(tdnn.forward(trainIn), trainOut);
      adamT.zeroGrad();
      loss.backward();
      adamT.step();
    }

    // GRU over windows of 40 to 100 steps of the training part, bucketed by length and padded
    Gru gru = Gru.builder(1, 32).batchFirst(true).build(random);
    Linear head = new Linear(32, 1, random);
    List<Tensor> gruParams = new ArrayList<>(gru.parameters());
    gruParams.addAll(head.parameters());
    Adam adamG = new Adam(gruParams, Adam.options().lr(0.01));
    int batch = 16;
    Random windowRandom = new Random(seed + 1);
    int count = 4 * batch * Math.max(1, steps / 4);
    List<float[]> windows = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      int window = 40 + windowRandom.nextInt(61);
      int offset = windowRandom.nextInt(split - window - 1);
      windows.add(
          Arrays.copyOfRange(series, offset, offset + window + 1)); // inputs and the next value
    }
    DataLoader<float[], Padding.Padded[]> loader =
        DataLoader.builder(Dataset.of(windows), TimeSeries::collate)
            .batchSize(batch)
            .shuffle(seed)
            .dropLast(true)
            .bucketBy(w -> w.length, 8)
            .build();
    int step = 0;
    for (int epoch = 0; step < steps; epoch++) {
      for (Padding.Padded[] b : loader.epoch(epoch)) {
        if (++step > steps) {
          break;
        }
        Padding.Padded in = b[0];
        Tensor prediction = head.forward(gru.forward(in.values(), in.lengths()).output());
        // mean squared error over the real steps only: padded steps are masked out
        Tensor mask = b[1].values();
        Tensor loss = prediction.sub(b[2].values()).square().mul(mask).sum().div(mask.sum());
        adamG.zeroGrad();
        loss.backward();
        adamG.step();
      }
    }

    // Test: predict s_{t+1} for every t in the held-out part, from all the history before it.
    int from = split;
    int tested = length - 1 - from;
    float[] tdnnPrediction;
    float[] gruPrediction;
    try (var scope = Autograd.noGrad()) {
      tdnn.eval();
      Tensor history =
          Tensor.of(
              Arrays.copyOfRange(series, from - field + 1, length - 1), 1, tested + field - 1, 1);
      tdnnPrediction = tdnn.forward(history).toFloatArray();
      if (exportOnnx != null)
        ExampleOnnx.export(tdnn, history, "series", "prediction", exportOnnx, console, "time");
      Tensor all = Tensor.of(Arrays.copyOfRange(series, 0, length - 1), 1, length - 1, 1);
      float[] allPredictions = head.forward(gru.forward(all).output()).toFloatArray();
      gruPrediction = Arrays.copyOfRange(allPredictions, from, length - 1);
    }
    double tdnnMse = 0;
    double gruMse = 0;
    double lastMse = 0;
    for (int i = 0; i < tested; i++) {
      float truth = series[from + i + 1];
      tdnnMse += sq(tdnnPrediction[i] - truth);
      gruMse += sq(gruPrediction[i] - truth);
      lastMse += sq(series[from + i] - truth);
    }
    tdnnMse /= tested;
    gruMse /= tested;
    lastMse /= tested;
    console.printf(
        Locale.ROOT, "test mean squared error, one step ahead over %d points:%n", tested);
    console.printf(
        Locale.ROOT,
        "  TDNN        %.5f%n  GRU         %.5f%n  last value  %.5f%n",
        tdnnMse,
        gruMse,
        lastMse);
    if (csv == null) {
      console.printf(Locale.ROOT, "  (noise floor: the noise variance is %.5f)%n", 0.01);
    }

    int shown = Math.min(200, tested);
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
    Path plot =
        Charts.lineChart(
            out.resolve("prediction.png"),
            "one step ahead on held-out data",
            "t",
            "s",
            false,
            List.of(
                Charts.Series.points("truth", x, truth),
                Charts.Series.line("TDNN", x, t1),
                Charts.Series.line("GRU", x, g1)));
    console.println("plot: " + plot.toAbsolutePath());
    report = new Report(tdnnMse, gruMse, lastMse, plot);
    return 0;
  }

  /**
   * Pads a batch of windows {@code [s_0 .. s_n]} into inputs {@code s_0 .. s_{n-1}}, a mask of the
   * real steps and targets {@code s_1 .. s_n}, each {@code [B, T, 1]} (batch-first, as the GRU).
   */
  static Padding.Padded[] collate(List<float[]> windows) {
    List<Tensor> inputs = new ArrayList<>();
    List<Tensor> masks = new ArrayList<>();
    List<Tensor> targets = new ArrayList<>();
    for (float[] w : windows) {
      int n = w.length - 1;
      inputs.add(Tensor.of(Arrays.copyOfRange(w, 0, n), n, 1));
      masks.add(Tensor.ones(n, 1));
      targets.add(Tensor.of(Arrays.copyOfRange(w, 1, n + 1), n, 1));
    }
    return new Padding.Padded[] {
      Padding.pad(inputs, true, 0f), Padding.pad(masks, true, 0f), Padding.pad(targets, true, 0f)
    };
  }

  private static double sq(double v) {
    return v * v;
  }
}
