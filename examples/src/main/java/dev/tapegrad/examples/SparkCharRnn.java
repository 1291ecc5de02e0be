package dev.tapegrad.examples;

import dev.tapegrad.autograd.Functional;
import dev.tapegrad.autograd.Tensor;
import dev.tapegrad.data.CharVocabulary;
import dev.tapegrad.nn.Checkpoint;
import dev.tapegrad.optim.Adam;
import dev.tapegrad.optim.CosineAnnealingLr;
import dev.tapegrad.optim.LinearWarmup;
import dev.tapegrad.spark.BatchLoss;
import dev.tapegrad.spark.BlockFactory;
import dev.tapegrad.spark.DataParallelTrainer;
import dev.tapegrad.spark.StepTimings;
import dev.tapegrad.spark.TrainingLoop;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Trains {@code char-rnn}'s character-level model data-parallel on Spark, and reports the same
 * quality measures: validation bits per character next to the unigram baseline, and the share of
 * real words in a sample.
 *
 * <p>The training windows ({@code seqLen + 1} characters at every offset of the training text) are
 * an RDD spread over {@code --partitions} partitions. Each step draws a global batch of {@code
 * --batch} windows across the partitions, every partition computes the gradient of its share on its
 * executor, and the driver adds them in a fixed order and applies Adam, clipping and the
 * warm-up/cosine schedule exactly as {@code char-rnn} does ({@link DataParallelTrainer}). With
 * {@code --master local[N]} it runs in this JVM; with {@code spark://host:port} on a cluster (see
 * docs/spark.md for spark-submit). The checkpoint it writes is a {@code char-rnn} checkpoint:
 * {@code ./tapegrad char-rnn --sample 300 --resume out/spark-char-rnn/char-rnn.safetensors}.
 */
@Command(
    name = "spark-char-rnn",
    mixinStandardHelpOptions = true,
    description = "Train the char-rnn model data-parallel on Apache Spark (local[N] or a cluster).")
public final class SparkCharRnn implements Callable<Integer> {
  @Option(names = "--master", description = "Spark master URL (default: ${DEFAULT-VALUE})")
  String master = "local[2]";

  @Option(
      names = "--partitions",
      description = "partitions of the training windows (default: ${DEFAULT-VALUE})")
  int partitions = 2;

  @Option(names = "--cell", description = "lstm, gru or rnn (default: ${DEFAULT-VALUE})")
  String cell = "lstm";

  @Option(names = "--hidden", description = "hidden units per layer (default: ${DEFAULT-VALUE})")
  int hidden = 128;

  @Option(names = "--embed", description = "embedding size (default: ${DEFAULT-VALUE})")
  int embed = 32;

  @Option(names = "--layers", description = "recurrent layers (default: ${DEFAULT-VALUE})")
  int layers = 1;

  @Option(
      names = "--seq-len",
      description = "characters per training window (default: ${DEFAULT-VALUE})")
  int seqLen = 64;

  @Option(
      names = "--batch",
      description = "windows per step, over all partitions (default: ${DEFAULT-VALUE})")
  int batch = 32;

  @Option(names = "--steps", description = "training steps (default: ${DEFAULT-VALUE})")
  int steps = 900;

  @Option(names = "--lr", description = "peak learning rate of Adam (default: ${DEFAULT-VALUE})")
  double lr = 4e-3;

  @Option(names = "--seed", description = "seed of every random choice (default: ${DEFAULT-VALUE})")
  long seed = 42;

  @Option(
      names = "--checkpoint-every",
      description =
          "save model, optimizer and schedule every N steps into OUT/checkpoints, 0 for never (default: ${DEFAULT-VALUE})")
  int checkpointEvery = 0;

  @Option(
      names = "--resume",
      description = "continue from the latest checkpoint in OUT/checkpoints")
  boolean resume;

  @Option(names = "--out", description = "folder for the checkpoint (default: ${DEFAULT-VALUE})")
  Path out = Path.of("out", "spark-char-rnn");

  @Option(names = "--quiet", description = "no progress bar")
  boolean quiet;

  private PrintStream console = System.out;
  private CharRnn.Report report;

  CharRnn.Report report() {
    return report;
  }

  void setConsole(PrintStream console) {
    this.console = console;
  }

  /**
   * The summed cross-entropy of a batch of windows: the mean over its characters times the windows.
   */
  static BatchLoss<CharModel, int[]> loss() {
    return (model, windows) -> {
      int b = windows.size();
      int steps = windows.get(0).length - 1;
      int[][] inputs = new int[steps][b];
      int[] targets = new int[steps * b];
      for (int j = 0; j < b; j++) {
        int[] w = windows.get(j);
        for (int t = 0; t < steps; t++) {
          inputs[t][j] = w[t];
          targets[t * b + j] = w[t + 1];
        }
      }
      Tensor mean = Functional.crossEntropy(model.forward(inputs, null).logits(), targets);
      return mean.mul(b);
    };
  }

  @Override
  public Integer call() throws IOException {
    String text = BuiltInCorpus.standard();
    CharVocabulary vocab = CharVocabulary.of(text);
    int[] encoded = vocab.encode(text);
    int split = (int) (encoded.length * 0.9);
    int[] train = Arrays.copyOfRange(encoded, 0, split);
    int[] valid = Arrays.copyOfRange(encoded, split, encoded.length);
    // the factory captures only the architecture; the driver's model holds the initial weights
    CharModel.Cell cellKind = CharModel.Cell.valueOf(cell.toUpperCase(Locale.ROOT));
    int vocabSize = vocab.size();
    int embedSize = embed;
    int hiddenSize = hidden;
    int layerCount = layers;
    BlockFactory<CharModel> factory =
        () -> new CharModel(cellKind, vocabSize, embedSize, hiddenSize, layerCount, new Random(0));
    CharModel model =
        new CharModel(cellKind, vocabSize, embedSize, hiddenSize, layerCount, new Random(seed));

    SparkConf conf =
        new SparkConf()
            .setMaster(master)
            .setAppName("tapegrad spark-char-rnn")
            .set("spark.ui.showConsoleProgress", "false");
    if (master.startsWith("local")) {
      conf.set("spark.driver.host", "127.0.0.1")
          .set("spark.driver.bindAddress", "127.0.0.1")
          .set("spark.ui.enabled", "false");
    }
    try (JavaSparkContext sc = new JavaSparkContext(conf)) {
      sc.setLogLevel("WARN");
      JavaRDD<int[]> data = windows(sc, train, seqLen, partitions);
      console.printf(
          Locale.ROOT,
          "spark-char-rnn: built-in corpus, %,d characters (%d distinct), %,d training windows on %d partitions, master %s%n",
          text.length(),
          vocab.size(),
          train.length - seqLen,
          partitions,
          master);
      console.println(model);

      Adam adam = new Adam(model.parameters(), Adam.options().lr(lr));
      int warmup = Math.max(1, steps / 20);
      LinearWarmup schedule =
          new LinearWarmup(
              adam, warmup, 0.1, new CosineAnnealingLr(adam, Math.max(1, steps - warmup), lr / 20));
      List<StepTimings> timings;
      long start = System.nanoTime();
      try (var trainer =
              DataParallelTrainer.builder(data, factory, loss())
                  .globalBatch(batch)
                  .seed(seed + 1)
                  .clipGradNorm(5.0)
                  .build(model, adam);
          Progress bar = quiet ? null : Progress.start("training", steps, console)) {
        TrainingLoop loop = new TrainingLoop(trainer).schedule(schedule);
        if (checkpointEvery > 0 || resume) {
          loop.checkpoints(
              out.resolve("checkpoints"),
              checkpointEvery > 0 ? checkpointEvery : Integer.MAX_VALUE);
        }
        long first = resume ? loop.resume() : 0;
        if (first > 0) {
          console.printf("resumed after step %d from %s%n", first, out.resolve("checkpoints"));
        }
        double[] smoothed = {Double.NaN};
        loop.onStep(
            t -> {
              double bits = t.loss() / Math.log(2);
              smoothed[0] = Double.isNaN(smoothed[0]) ? bits : 0.95 * smoothed[0] + 0.05 * bits;
              if (bar != null) {
                bar.stepTo(
                    t.step() + 1,
                    String.format(
                        Locale.ROOT,
                        " loss %.3f bpc, %.0f ms/step, %,.0f chars/s",
                        smoothed[0],
                        t.stepNanos() / 1e6,
                        t.examplesPerSecond() * seqLen));
              }
            });
        if (bar != null) {
          bar.stepTo(first, "");
        }
        timings = loop.run(first, steps);
      }
      double seconds = (System.nanoTime() - start) / 1e9;

      double validBpc = CharRnn.bitsPerChar(model, valid, valid.length);
      double unigram = CharRnn.unigramBpc(train, valid, vocab.size());
      String generated = new CharRnn().generate(model, vocab, "The ", 600, new Random(seed + 7));
      double known = CharRnn.vocabularyFraction(generated, CharRnn.corpusWords(text));

      Path saved = out.resolve("char-rnn.safetensors");
      Files.createDirectories(saved.toAbsolutePath().getParent());
      adam.save(out.resolve("char-rnn.adam.safetensors"));
      Checkpoint.save(
          model,
          saved,
          Map.of(
              "vocab",
              vocab.chars(),
              "cell",
              cell,
              "hidden",
              Integer.toString(hidden),
              "embed",
              Integer.toString(embed),
              "layers",
              Integer.toString(layers)));

      console.printf(
          Locale.ROOT,
          "%ntrained %d steps in %.1f s (%,.0f characters/s)%n",
          timings.size(),
          seconds,
          timings.size() * (double) seqLen * batch / seconds);
      console.println(split(timings));
      console.printf(
          Locale.ROOT,
          "validation: %.3f bits per character (unigram baseline %.3f)%n",
          validBpc,
          unigram);
      console.printf(Locale.ROOT, "words of the corpus in the sample: %.0f%%%n", 100 * known);
      console.printf("checkpoint: %s%n%nsample (temperature 0.70):%n%s%n", saved, generated);
      report = new CharRnn.Report(validBpc, unigram, generated, known, saved, null, null);
    }
    return 0;
  }

  /**
   * Every window of {@code seqLen + 1} characters of {@code train}, contiguous ranges of start
   * offsets in each partition. The windows are made on the executors from a broadcast of the text:
   * {@code parallelize} of the windows themselves would ship all of them inside every task of every
   * step.
   */
  static JavaRDD<int[]> windows(JavaSparkContext sc, int[] train, int seqLen, int partitions) {
    Broadcast<int[]> text = sc.broadcast(train);
    int count = train.length - seqLen;
    List<Integer> parts = new ArrayList<>();
    for (int p = 0; p < partitions; p++) {
      parts.add(p);
    }
    return sc.parallelize(parts, partitions)
        .flatMap(
            p -> {
              int[] t = text.value();
              int first = (int) ((long) count * p / partitions);
              int end = (int) ((long) count * (p + 1) / partitions);
              List<int[]> out = new ArrayList<>(end - first);
              for (int offset = first; offset < end; offset++) {
                out.add(Arrays.copyOfRange(t, offset, offset + seqLen + 1));
              }
              return out.iterator();
            });
  }

  /**
   * The mean step time and where it went, over the steps after the first (which warms up the JIT).
   */
  static String split(List<StepTimings> timings) {
    List<StepTimings> steady = timings.size() > 1 ? timings.subList(1, timings.size()) : timings;
    double n = Math.max(1, steady.size());
    double step = steady.stream().mapToLong(StepTimings::stepNanos).sum() / n / 1e6;
    double scheduling = steady.stream().mapToLong(StepTimings::schedulingNanos).sum() / n / 1e6;
    double broadcast = steady.stream().mapToLong(StepTimings::broadcastNanos).sum() / n / 1e6;
    double compute = steady.stream().mapToLong(StepTimings::computeNanos).sum() / n / 1e6;
    double aggregate = steady.stream().mapToLong(StepTimings::aggregateNanos).sum() / n / 1e6;
    double update = steady.stream().mapToLong(StepTimings::updateNanos).sum() / n / 1e6;
    return String.format(
        Locale.ROOT,
        "mean step %.1f ms: scheduling %.1f, broadcast %.1f, compute %.1f, aggregate %.1f, update %.1f ms",
        step,
        scheduling,
        broadcast,
        compute,
        aggregate,
        update);
  }
}
