package dev.tapegrad.examples;

import dev.tapegrad.autograd.Autograd;
import dev.tapegrad.autograd.Functional;
import dev.tapegrad.autograd.Tensor;
import dev.tapegrad.data.DataLoader;
import dev.tapegrad.data.Dataset;
import dev.tapegrad.data.Metrics;
import dev.tapegrad.nn.Block;
import dev.tapegrad.nn.GruCell;
import dev.tapegrad.nn.Init;
import dev.tapegrad.nn.Linear;
import dev.tapegrad.nn.LstmCell;
import dev.tapegrad.nn.RnnCell;
import dev.tapegrad.nn.RnnState;
import dev.tapegrad.optim.Adam;
import dev.tapegrad.optim.GradClip;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The vanishing-gradient problem, shown: Elman RNN, LSTM and GRU of the same size learn to recall
 * the first symbol of a sequence (marked by a flag) after a run of distractors.
 *
 * <p>For each length, each network trains on the task and is scored on fresh sequences (accuracy
 * against sequence length). The sequences are a {@link Dataset} computed from their index, read in
 * batches by a {@link DataLoader}, and scored with {@link Metrics#accuracy}. Then, for the networks
 * trained on the longest sequences, the norm of {@code dL/dh_t} is measured at every step {@code
 * t}, where {@code L} is the loss at the last step: how much of the error signal reaches back a
 * given distance. The Elman network's signal shrinks by a roughly constant factor per step (the
 * product of its Jacobians {@code diag(1 - h²) W_hh}); the LSTM's cell state and the GRU's
 * interpolated state give the gradient a path through gates near 1.
 *
 * <p>The gated networks start with {@link Init#chrono chrono initialisation}, which opens their
 * gates to the task's length from the first update; the Elman network has no gate to open, which is
 * the point. With PyTorch's default initialisation the LSTM also learns these delays, but only
 * after far more updates than an example should take.
 */
@Command(
    name = "vanishing-gradients",
    mixinStandardHelpOptions = true,
    description = {
      "Compare how far gradients reach back in Elman RNN, LSTM and GRU; plot it.",
      "A relative --out is resolved against the working directory."
    })
public final class VanishingGradients implements Callable<Integer> {
  /** The three networks compared. */
  enum Kind {
    ELMAN,
    LSTM,
    GRU
  }

  @Option(
      names = "--lengths",
      split = ",",
      description = "sequence lengths to train on (default: ${DEFAULT-VALUE})")
  int[] lengths = {5, 10, 20, 40, 60};

  @Option(
      names = "--hidden",
      description = "hidden units of every network (default: ${DEFAULT-VALUE})")
  int hidden = 16;

  @Option(
      names = "--symbols",
      description = "distinct symbols to remember (default: ${DEFAULT-VALUE})")
  int symbols = 4;

  @Option(
      names = "--steps",
      description = "training steps per network and length (default: ${DEFAULT-VALUE})")
  int steps = 300;

  @Option(names = "--seed", description = "seed (default: ${DEFAULT-VALUE})")
  long seed = 7;

  @Option(
      names = "--out",
      description = "folder for the plots (default: ${DEFAULT-VALUE}, under the working directory)")
  Path out = Path.of("out", "vanishing-gradients");

  /** What a run reports: accuracy per length and the gradient norm per distance, per network. */
  record Report(
      Map<Kind, double[]> accuracy,
      Map<Kind, double[]> gradientNorm,
      Path gradientPlot,
      Path accuracyPlot) {
    /**
     * How much the gradient norm shrinks over the far half of the sequence, from distance {@code (T
     * - 1) / 2} to {@code T - 1}: the regime a long-range dependency depends on (near the loss
     * every network passes a gradient).
     */
    double decay(Kind kind) {
      double[] norms = gradientNorm.get(kind);
      return norms[norms.length - 1] / norms[(norms.length - 1) / 2];
    }
  }

  private Report report;
  PrintStream console = System.out;

  Report report() {
    return report;
  }

  /** A recurrent network over one-hot symbols with a linear read-out of its last state. */
  static final class Recaller extends Block {
    private final Kind kind;
    private final Block cell;
    private final Linear head;

    Recaller(Kind kind, int symbols, int hidden, Random random) {
      this.kind = kind;
      cell =
          switch (kind) {
            case ELMAN -> registerBlock("cell", new RnnCell(symbols + 1, hidden, random));
            case LSTM -> registerBlock("cell", new LstmCell(symbols + 1, hidden, random));
            default -> registerBlock("cell", new GruCell(symbols + 1, hidden, random));
          };
      head = registerBlock("head", new Linear(hidden, symbols, random));
    }

    /**
     * Opens the gated networks' memory to {@code length} steps at the start (chrono
     * initialisation).
     */
    void chrono(int length, Random random) {
      if (kind != Kind.ELMAN) {
        Init.chrono(cell, Math.max(2, length), random);
      }
    }

    /** Runs over {@code inputs[t]} ({@code [B, symbols]} each); returns every hidden state. */
    List<Tensor> unroll(List<Tensor> inputs) {
      List<Tensor> hs = new ArrayList<>(inputs.size());
      Tensor h = null;
      RnnState state = null;
      for (Tensor x : inputs) {
        switch (kind) {
          case ELMAN -> h = ((RnnCell) cell).forward(x, h);
          case LSTM -> {
            state = ((LstmCell) cell).forward(x, state);
            h = state.h();
          }
          default -> h = ((GruCell) cell).forward(x, h);
        }
        hs.add(h);
      }
      return hs;
    }

    Tensor logits(Tensor lastHidden) {
      return head.forward(lastHidden);
    }
  }

  /** A batch of the task: symbol sequences as one-hot steps, and the first symbol of each. */
  record Batch(List<Tensor> inputs, int[] targets) {}

  /**
   * {@code size} sequences of {@code length} random symbols; sequence {@code i} is drawn from its
   * own generator, seeded from {@code (stream, i)}, so the dataset is a pure function of its index.
   */
  Dataset<int[]> sequences(int length, int size, long stream) {
    return Dataset.fromFunction(
        size,
        i -> {
          // SplittableRandom mixes its seed; consecutive seeds of java.util.Random start out alike
          SplittableRandom random = new SplittableRandom(stream * 1_000_003L + i);
          int[] sequence = new int[length];
          for (int t = 0; t < length; t++) {
            sequence[t] = random.nextInt(symbols);
          }
          return sequence;
        });
  }

  /**
   * One-hot symbol plus a flag channel that marks the step to remember; the target is the first
   * symbol.
   */
  Batch collate(List<int[]> sequences) {
    int size = sequences.size();
    int length = sequences.get(0).length;
    int[] targets = new int[size];
    for (int b = 0; b < size; b++) {
      targets[b] = sequences.get(b)[0];
    }
    List<Tensor> inputs = new ArrayList<>(length);
    for (int t = 0; t < length; t++) {
      int[] step = new int[size];
      for (int b = 0; b < size; b++) {
        step[b] = sequences.get(b)[t];
      }
      Tensor flag = t == 0 ? Tensor.ones(size, 1) : Tensor.zeros(size, 1);
      inputs.add(Tensor.cat(List.of(Tensor.oneHot(step, symbols), flag), 1));
    }
    return new Batch(inputs, targets);
  }

  private long stream(String purpose, int length) {
    return (seed * 31 + length) * 7 + purpose.hashCode();
  }

  Recaller train(Kind kind, int length, Random random) {
    Recaller model = new Recaller(kind, symbols, hidden, random);
    model.chrono(length, random);
    Adam adam = new Adam(model.parameters(), Adam.options().lr(0.01));
    DataLoader<int[], Batch> loader =
        DataLoader.builder(sequences(length, steps * 32, stream("train", length)), this::collate)
            .batchSize(32)
            .build();
    for (Batch b : loader.epoch(0)) {
      List<Tensor> hs = model.unroll(b.inputs());
      Tensor loss = Functional.crossEntropy(model.logits(hs.get(hs.size() - 1)), b.targets());
      adam.zeroGrad();
      loss.backward();
      GradClip.clipGradNorm(model.parameters(), 1.0);
      adam.step();
    }
    return model;
  }

  double accuracy(Recaller model, int length) {
    Batch b = collate(sequences(length, 512, stream("test", length)).asList());
    try (var scope = Autograd.noGrad()) {
      List<Tensor> hs = model.unroll(b.inputs());
      return Metrics.accuracy(model.logits(hs.get(hs.size() - 1)), b.targets());
    }
  }

  /** Mean over a batch of ||dL/dh_t||, indexed by distance T - 1 - t from the loss. */
  double[] gradientNorms(Recaller model, int length) {
    Batch b = collate(sequences(length, 64, stream("gradient", length)).asList());
    List<Tensor> hs = model.unroll(b.inputs());
    Tensor loss = Functional.crossEntropy(model.logits(hs.get(length - 1)), b.targets());
    List<Tensor> grads = Autograd.grad(loss, hs, false);
    double[] norms = new double[length];
    for (int t = 0; t < length; t++) {
      norms[length - 1 - t] = grads.get(t).square().sum().sqrt().item();
    }
    return norms;
  }

  @Override
  public Integer call() {
    Map<Kind, double[]> accuracy = new EnumMap<>(Kind.class);
    Map<Kind, double[]> norms = new EnumMap<>(Kind.class);
    int longest = Arrays.stream(lengths).max().orElseThrow();
    console.printf(
        Locale.ROOT,
        "recall the first of %d symbols after T steps; hidden %d, %d steps of Adam each%n",
        symbols,
        hidden,
        steps);
    console.printf(Locale.ROOT, "%-6s %s%n", "T", Arrays.toString(Kind.values()));
    for (Kind kind : Kind.values()) {
      accuracy.put(kind, new double[lengths.length]);
    }
    for (int i = 0; i < lengths.length; i++) {
      StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "%-6d", lengths[i]));
      for (Kind kind : Kind.values()) {
        Random random = new Random(seed * 31 + lengths[i]);
        Recaller model = train(kind, lengths[i], random);
        accuracy.get(kind)[i] = accuracy(model, lengths[i]);
        row.append(String.format(Locale.ROOT, " %.3f", accuracy.get(kind)[i]));
        if (lengths[i] == longest) {
          norms.put(kind, gradientNorms(model, longest));
        }
      }
      console.println(row);
    }
    double[] distance = Charts.range(longest);
    double[] x = Arrays.stream(lengths).asDoubleStream().toArray();
    List<Charts.Series> gradientSeries = new ArrayList<>();
    List<Charts.Series> accuracySeries = new ArrayList<>();
    for (Kind kind : Kind.values()) {
      gradientSeries.add(Charts.Series.line(kind.name(), distance, norms.get(kind)));
      accuracySeries.add(new Charts.Series(kind.name(), x, accuracy.get(kind), true));
    }
    Path gradientPlot =
        Charts.lineChart(
            out.resolve("gradient-norms.png"),
            "||dL/dh_t|| after training on length " + longest,
            "distance from the loss (steps)",
            "gradient norm",
            true,
            gradientSeries);
    Path accuracyPlot =
        Charts.lineChart(
            out.resolve("accuracy.png"),
            "recall accuracy (chance " + String.format(Locale.ROOT, "%.2f", 1.0 / symbols) + ")",
            "sequence length",
            "accuracy",
            false,
            accuracySeries);
    report = new Report(accuracy, norms, gradientPlot, accuracyPlot);
    console.println("gradient norm at the farthest step relative to the middle one:");
    for (Kind kind : Kind.values()) {
      console.printf(Locale.ROOT, "  %-6s %.3e%n", kind, report.decay(kind));
    }
    console.printf("plots: %s, %s%n", gradientPlot.toAbsolutePath(), accuracyPlot.toAbsolutePath());
    return 0;
  }
}
