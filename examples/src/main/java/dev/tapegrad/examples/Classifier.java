package dev.tapegrad.examples;

import dev.tapegrad.autograd.Autograd;
import dev.tapegrad.autograd.Functional;
import dev.tapegrad.autograd.Tensor;
import dev.tapegrad.nn.Linear;
import dev.tapegrad.nn.Relu;
import dev.tapegrad.nn.Sequential;
import dev.tapegrad.optim.Adam;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Softmax regression on top of a small multilayer perceptron: classifies points of a generated
 * two-dimensional spiral with three arms, trained with cross-entropy, and plots the decision
 * regions.
 */
@Command(
    name = "classifier",
    mixinStandardHelpOptions = true,
    description = "Classify a 2-D spiral with softmax and cross-entropy; plot the decision regions.")
public final class Classifier implements Callable<Integer> {
  @Option(names = "--classes", description = "arms of the spiral (default: ${DEFAULT-VALUE})")
  int classes = 3;

  @Option(names = "--points", description = "points per arm (default: ${DEFAULT-VALUE})")
  int points = 150;

  @Option(names = "--hidden", description = "hidden units per layer (default: ${DEFAULT-VALUE})")
  int hidden = 64;

  @Option(names = "--steps", description = "full-batch training steps (default: ${DEFAULT-VALUE})")
  int steps = 1500;

  @Option(names = "--lr", description = "learning rate of Adam (default: ${DEFAULT-VALUE})")
  double lr = 0.01;

  @Option(names = "--seed", description = "seed (default: ${DEFAULT-VALUE})")
  long seed = 3;

  @Option(names = "--out", description = "folder for the plot (default: ${DEFAULT-VALUE})")
  Path out = Path.of("out", "classifier");

  @Option(names = "--export-onnx", description = "also write the trained model as an ONNX file (opset 17)")
  Path exportOnnx;

  /** What a run reports. */
  record Report(double accuracy, double loss, Path plot) {}

  private Report report;
  PrintStream console = System.out;

  Report report() {
    return report;
  }

  @Override
  public Integer call() {
    Random random = new Random(seed);
    int total = classes * points;
    float[] xy = new float[total * 2];
    int[] labels = new int[total];
    for (int k = 0; k < classes; k++) {
      for (int i = 0; i < points; i++) {
        double r = (double) i / points;
        double angle = 4.0 * r + 2 * Math.PI * k / classes + random.nextGaussian() * 0.2;
        int row = k * points + i;
        xy[2 * row] = (float) (r * Math.cos(angle));
        xy[2 * row + 1] = (float) (r * Math.sin(angle));
        labels[row] = k;
      }
    }
    Tensor inputs = Tensor.of(xy, total, 2);
    Sequential model = new Sequential(new Linear(2, hidden, random), new Relu(), new Linear(hidden, hidden, random), new Relu(), new Linear(hidden, classes, random));
    Adam adam = new Adam(model.parameters(), Adam.options().lr(lr));
    double loss = Double.NaN;
    for (int step = 1; step <= steps; step++) {
      Tensor l = Functional.crossEntropy(model.forward(inputs), labels);
      adam.zeroGrad();
      l.backward();
      adam.step();
      loss = l.item();
      if (step % Math.max(1, steps / 5) == 0) {
        console.printf(Locale.ROOT, "step %5d  loss %.4f  accuracy %.3f%n", step, loss, accuracy(model, inputs, labels));
      }
    }
    double accuracy = accuracy(model, inputs, labels);
    if (exportOnnx != null) ExampleOnnx.export(model, inputs, "points", "logits", exportOnnx, console);
    Path plot = plot(model, xy, labels);
    console.printf(Locale.ROOT, "final loss %.4f, training accuracy %.3f%nplot: %s%n", loss, accuracy, plot);
    report = new Report(accuracy, loss, plot);
    return 0;
  }

  private static double accuracy(Sequential model, Tensor inputs, int[] labels) {
    float[] predicted;
    try (var scope = Autograd.noGrad()) {
      predicted = model.forward(inputs).argmax(1, false).toFloatArray();
    }
    int right = 0;
    for (int i = 0; i < labels.length; i++) {
      right += (int) predicted[i] == labels[i] ? 1 : 0;
    }
    return right / (double) labels.length;
  }

  private Path plot(Sequential model, float[] xy, int[] labels) {
    int grid = 120;
    float[] cells = new float[grid * grid * 2];
    for (int i = 0; i < grid; i++) {
      for (int j = 0; j < grid; j++) {
        int c = i * grid + j;
        cells[2 * c] = -1.1f + 2.2f * j / (grid - 1);
        cells[2 * c + 1] = -1.1f + 2.2f * i / (grid - 1);
      }
    }
    float[] region;
    try (var scope = Autograd.noGrad()) {
      region = model.forward(Tensor.of(cells, grid * grid, 2)).argmax(1, false).toFloatArray();
    }
    XYChart chart = new XYChartBuilder().width(700).height(700).title("decision regions").xAxisTitle("x").yAxisTitle("y").build();
    chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
    chart.getStyler().setMarkerSize(4);
    chart.getStyler().setXAxisDecimalPattern("#0.##");
    chart.getStyler().setYAxisDecimalPattern("#0.##");
    java.awt.Color[] palette = {
      new java.awt.Color(31, 119, 180), new java.awt.Color(255, 127, 14), new java.awt.Color(44, 160, 44),
      new java.awt.Color(214, 39, 40), new java.awt.Color(148, 103, 189), new java.awt.Color(140, 86, 75)
    };
    for (int k = 0; k < classes; k++) {
      java.awt.Color c = palette[k % palette.length];
      chart.addSeries("region " + k, select(cells, region, k, 0), select(cells, region, k, 1))
          .setMarker(SeriesMarkers.SQUARE)
          .setMarkerColor(new java.awt.Color(c.getRed(), c.getGreen(), c.getBlue(), 60));
    }
    float[] truth = new float[labels.length];
    for (int i = 0; i < labels.length; i++) {
      truth[i] = labels[i];
    }
    for (int k = 0; k < classes; k++) {
      chart.addSeries("class " + k, select(xy, truth, k, 0), select(xy, truth, k, 1))
          .setMarker(SeriesMarkers.CIRCLE)
          .setMarkerColor(palette[k % palette.length].darker());
    }
    try {
      Files.createDirectories(out);
      BitmapEncoder.saveBitmap(chart, out.resolve("regions").toString(), BitmapEncoder.BitmapFormat.PNG);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.resolve("regions.png");
  }

  private static double[] select(float[] xy, float[] classOf, int k, int coordinate) {
    return java.util.stream.IntStream.range(0, classOf.length).filter(i -> (int) classOf[i] == k).mapToDouble(i -> xy[2 * i + coordinate]).toArray();
  }
}
