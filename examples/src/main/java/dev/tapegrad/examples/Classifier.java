package dev.tapegrad.examples;

import dev.tapegrad.autograd.Autograd;
import dev.tapegrad.autograd.Functional;
import dev.tapegrad.autograd.Tensor;
import dev.tapegrad.data.Batch;
import dev.tapegrad.data.ConfusionMatrix;
import dev.tapegrad.data.DataLoader;
import dev.tapegrad.data.Dataset;
import dev.tapegrad.data.EarlyStopping;
import dev.tapegrad.data.Example;
import dev.tapegrad.data.Metrics;
import dev.tapegrad.data.Split;
import dev.tapegrad.data.WeightedMean;
import dev.tapegrad.nn.Linear;
import dev.tapegrad.nn.Relu;
import dev.tapegrad.nn.Sequential;
import dev.tapegrad.optim.Adam;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Softmax regression on top of a small multilayer perceptron: classifies points of a generated
 * two-dimensional spiral with three arms, trained with cross-entropy on minibatches, stopped early
 * on the validation loss, and plots the decision regions.
 *
 * <p>The data pipeline end to end: the points are a {@link Dataset} of {@link Example}s, {@link
 * Split} cuts it 70/15/15 (seeded), a {@link DataLoader} shuffles the training part each epoch into
 * batches, {@link EarlyStopping} keeps the weights of the best validation epoch, and {@link
 * Metrics} and a {@link ConfusionMatrix} score the test part.
 */
@Command(
    name = "classifier",
    mixinStandardHelpOptions = true,
    description = {
      "Classify a 2-D spiral with softmax and cross-entropy; plot the decision regions.",
      "A relative --out is resolved against the working directory."
    })
public final class Classifier implements Callable<Integer> {
  @Option(names = "--classes", description = "arms of the spiral (default: ${DEFAULT-VALUE})")
  int classes = 3;

  @Option(names = "--points", description = "points per arm (default: ${DEFAULT-VALUE})")
  int points = 150;

  @Option(names = "--hidden", description = "hidden units per layer (default: ${DEFAULT-VALUE})")
  int hidden = 64;

  @Option(names = "--epochs", description = "most epochs to train (default: ${DEFAULT-VALUE})")
  int epochs = 300;

  @Option(names = "--batch", description = "points per batch (default: ${DEFAULT-VALUE})")
  int batch = 32;

  @Option(
      names = "--patience",
      description =
          "epochs without a better validation loss before stopping (default: ${DEFAULT-VALUE})")
  int patience = 30;

  @Option(names = "--lr", description = "learning rate of Adam (default: ${DEFAULT-VALUE})")
  double lr = 0.01;

  @Option(names = "--seed", description = "seed (default: ${DEFAULT-VALUE})")
  long seed = 3;

  @Option(
      names = "--out",
      description = "folder for the plot (default: ${DEFAULT-VALUE}, under the working directory)")
  Path out = Path.of("out", "classifier");

  @Option(
      names = "--export-onnx",
      description = "also write the trained model as an ONNX file (opset 17)")
  Path exportOnnx;

  /**
   * What a run reports: accuracies on each part and on all points, the epochs trained and the best
   * epoch.
   */
  record Report(
      double trainAccuracy,
      double validationAccuracy,
      double testAccuracy,
      double allAccuracy,
      int epochs,
      int bestEpoch,
      Path plot) {}

  private Report report;
  PrintStream console = System.out;

  Report report() {
    return report;
  }

  /** The spiral: {@code points} per arm, each a point of {@code [2]} labelled with its arm. */
  static Dataset<Example> spiral(int classes, int points, Random random) {
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
    return Dataset.ofRows(Tensor.of(xy, total, 2), labels);
  }

  @Override
  public Integer call() {
    Random random = new Random(seed);
    Dataset<Example> all = spiral(classes, points, random);
    Split<Example> split = Split.byFractions(all, 0.7, 0.15, 0.15, seed);
    DataLoader<Example, Batch> train =
        DataLoader.builder(split.train()).batchSize(batch).shuffle(seed).build();
    Batch validation = whole(split.validation());
    Batch test = whole(split.test());
    console.printf(
        Locale.ROOT,
        "%d points: %d train, %d validation, %d test; %s%n",
        all.size(),
        split.train().size(),
        split.validation().size(),
        split.test().size(),
        train);

    Sequential model =
        new Sequential(
            new Linear(2, hidden, random),
            new Relu(),
            new Linear(hidden, hidden, random),
            new Relu(),
            new Linear(hidden, classes, random));
    Adam adam = new Adam(model.parameters(), Adam.options().lr(lr));
    EarlyStopping stopper =
        EarlyStopping.minimize()
            .patience(patience)
            .minDelta(1e-4)
            .keepBest(model::stateDict)
            .build();
    int epoch = 0;
    boolean stop = false;
    while (epoch < epochs && !stop) {
      WeightedMean loss = new WeightedMean();
      for (Batch b : train.epoch(epoch)) {
        Tensor l = Functional.crossEntropy(model.forward(b.inputs()), b.labels());
        adam.zeroGrad();
        l.backward();
        adam.step();
        loss.add(l.item(), b.size());
      }
      double validationLoss;
      try (var scope = Autograd.noGrad()) {
        validationLoss =
            Functional.crossEntropy(model.forward(validation.inputs()), validation.labels()).item();
      }
      stop = stopper.update(validationLoss);
      epoch++;
      if (epoch % Math.max(1, epochs / 10) == 0 || stop) {
        console.printf(
            Locale.ROOT,
            "epoch %4d  train loss %.4f  validation loss %.4f  validation accuracy %.3f%n",
            epoch,
            loss.mean(),
            validationLoss,
            accuracy(model, validation));
      }
    }
    model.loadStateDict(stopper.bestState());
    console.printf(
        Locale.ROOT,
        "%s after %d epochs; restored the weights of epoch %d (validation loss %.4f)%n",
        stop ? "stopped early" : "finished",
        epoch,
        stopper.bestCheck() + 1,
        stopper.best());

    double trainAccuracy = accuracy(model, whole(split.train()));
    double validationAccuracy = accuracy(model, validation);
    double testAccuracy = accuracy(model, test);
    ConfusionMatrix confusion = new ConfusionMatrix(classes);
    try (var scope = Autograd.noGrad()) {
      confusion.update(model.forward(test.inputs()), test.labels());
    }
    Batch everything = whole(all);
    if (exportOnnx != null)
      ExampleOnnx.export(model, everything.inputs(), "points", "logits", exportOnnx, console);
    Path plot = plot(model, all);
    console.printf(
        Locale.ROOT,
        "accuracy: train %.3f, validation %.3f, test %.3f%ntest confusion matrix:%n%s%nplot: %s%n",
        trainAccuracy,
        validationAccuracy,
        testAccuracy,
        confusion,
        plot.toAbsolutePath());
    report =
        new Report(
            trainAccuracy,
            validationAccuracy,
            testAccuracy,
            accuracy(model, everything),
            epoch,
            stopper.bestCheck() + 1,
            plot);
    return 0;
  }

  /** A whole (small) dataset as one batch. */
  private static Batch whole(Dataset<Example> part) {
    return DataLoader.builder(part).batchSize(part.size()).build().batch(0, 0);
  }

  private static double accuracy(Sequential model, Batch batch) {
    try (var scope = Autograd.noGrad()) {
      return Metrics.accuracy(model.forward(batch.inputs()), batch.labels());
    }
  }

  private Path plot(Sequential model, Dataset<Example> all) {
    int grid = 300;
    double[] bounds = {-1.1, 1.1, -1.1, 1.1};
    float[] cells = new float[grid * grid * 2];
    for (int i = 0; i < grid; i++) {
      for (int j = 0; j < grid; j++) {
        int c = i * grid + j;
        cells[2 * c] = (float) (bounds[0] + (bounds[1] - bounds[0]) * (j + 0.5) / grid);
        cells[2 * c + 1] =
            (float) (bounds[3] - (bounds[3] - bounds[2]) * (i + 0.5) / grid); // row 0 at the top
      }
    }
    int[] region;
    try (var scope = Autograd.noGrad()) {
      region = Metrics.predictions(model.forward(Tensor.of(cells, grid * grid, 2)));
    }
    Batch points = whole(all);
    return Charts.regionMap(
        out.resolve("regions.png"),
        "decision regions and the " + all.size() + " points",
        region,
        grid,
        bounds,
        points.inputs().toFloatArray(),
        points.labels());
  }
}
