package dev.tapegrad.examples;

import dev.tapegrad.autograd.Autograd;
import dev.tapegrad.autograd.Functional;
import dev.tapegrad.autograd.Tensor;
import dev.tapegrad.nn.Checkpoint;
import dev.tapegrad.nn.RnnState;
import dev.tapegrad.optim.Adam;
import dev.tapegrad.optim.CosineAnnealingLr;
import dev.tapegrad.optim.GradClip;
import dev.tapegrad.optim.LinearWarmup;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Trains a character-level language model and generates text: the main job of tapegrad.
 *
 * <p>Each step takes {@code batch} random windows of {@code seqLen + 1} characters, predicts
 * every next character with teacher forcing, and minimises the mean cross-entropy with Adam, the
 * gradient norm clipped at 5 and the learning rate warmed up linearly then annealed on a cosine.
 * At the end it reports the validation loss in bits per character next to a unigram baseline,
 * saves a checkpoint and a PNG plot of the losses, and prints samples.
 */
@Command(
    name = "char-rnn",
    mixinStandardHelpOptions = true,
    description = "Train a character-level LSTM (or GRU, or Elman RNN) and generate text.")
public final class CharRnn implements Callable<Integer> {
  @Option(names = "--corpus", description = "UTF-8 text to train on (default: the built-in corpus)")
  Path corpus;

  @Option(names = "--cell", description = "lstm, gru or rnn (default: ${DEFAULT-VALUE})")
  String cell = "lstm";

  @Option(names = "--hidden", description = "hidden units per layer (default: ${DEFAULT-VALUE})")
  int hidden = 128;

  @Option(names = "--embed", description = "embedding size (default: ${DEFAULT-VALUE})")
  int embed = 32;

  @Option(names = "--layers", description = "recurrent layers (default: ${DEFAULT-VALUE})")
  int layers = 1;

  @Option(names = "--seq-len", description = "characters per training window (default: ${DEFAULT-VALUE})")
  int seqLen = 64;

  @Option(names = "--batch", description = "windows per step (default: ${DEFAULT-VALUE})")
  int batch = 32;

  @Option(names = "--steps", description = "training steps (default: ${DEFAULT-VALUE})")
  int steps = 900;

  @Option(names = "--lr", description = "peak learning rate of Adam (default: ${DEFAULT-VALUE})")
  double lr = 4e-3;

  @Option(names = "--seed", description = "seed of every random choice (default: ${DEFAULT-VALUE})")
  long seed = 42;

  @Option(names = "--temperature", description = "sampling temperature (default: ${DEFAULT-VALUE})")
  double temperature = 0.7;

  @Option(names = "--out", description = "folder for the checkpoint and the plot (default: ${DEFAULT-VALUE})")
  Path out = Path.of("out", "char-rnn");

  @Option(names = "--checkpoint", description = "where to save the model (default: OUT/char-rnn.safetensors)")
  Path checkpoint;

  @Option(names = "--resume", description = "continue training from this checkpoint (and Adam's state saved beside it)")
  Path resume;

  @Option(names = "--sample", description = "only generate N characters from --resume (or --checkpoint); no training")
  Integer sample;

  @Option(names = "--sample-every", description = "print a short sample every N steps, 0 for never (default: ${DEFAULT-VALUE})")
  int sampleEvery = 300;

  @Option(names = "--export-onnx", description = "also write the trained model as an ONNX file (opset 17)")
  Path exportOnnx;

  @Option(names = "--quiet", description = "no progress bar and no intermediate samples")
  boolean quiet;

  /** What a run reports, for tests and for the README. */
  record Report(double validationBpc, double unigramBpc, String sample, double vocabularyFraction, Path checkpoint, Path plot) {}

  private Report report;
  private PrintStream console = System.out;

  Report report() {
    return report;
  }

  @Override
  public Integer call() throws IOException {
    if (sample != null) {
      Path from = resume != null ? resume : checkpointPath();
      Loaded loaded = load(from);
      console.println(generate(loaded.model, loaded.vocab, "The ", sample, new Random(seed)));
      return 0;
    }
    String text = corpus == null ? BuiltInCorpus.standard() : Files.readString(corpus, StandardCharsets.UTF_8);
    if (text.length() < 10 * (seqLen + 1)) {
      throw new IllegalArgumentException("char-rnn: corpus of " + text.length() + " characters is too short for --seq-len " + seqLen);
    }
    Vocab vocab;
    CharModel model;
    if (resume != null) {
      Loaded loaded = load(resume);
      vocab = loaded.vocab;
      model = loaded.model;
    } else {
      vocab = Vocab.of(text);
      model = new CharModel(cellOf(cell), vocab.size(), embed, hidden, layers, new Random(seed));
    }
    int[] encoded = vocab.encode(text);
    int split = (int) (encoded.length * 0.9);
    int[] train = java.util.Arrays.copyOfRange(encoded, 0, split);
    int[] valid = java.util.Arrays.copyOfRange(encoded, split, encoded.length);

    console.printf(Locale.ROOT, "char-rnn: %s, %,d characters (%d distinct), %d train / %d validation%n",
        corpus == null ? "built-in corpus" : corpus, text.length(), vocab.size(), train.length, valid.length);
    console.println(model);

    Adam adam = new Adam(model.parameters(), Adam.options().lr(lr));
    if (resume != null && Files.exists(optimizerPath(resume))) {
      adam.load(optimizerPath(resume));
      // keep the moments, but start the learning-rate schedule again from --lr for --steps
      adam.paramGroups().forEach(group -> group.setLr(lr));
      console.println("resumed Adam's state from " + optimizerPath(resume));
    }
    int warmup = Math.max(1, steps / 20);
    LinearWarmup schedule = new LinearWarmup(adam, warmup, 0.1, new CosineAnnealingLr(adam, Math.max(1, steps - warmup), lr / 20));
    Random random = new Random(seed + 1);
    List<double[]> trainCurve = new ArrayList<>();
    List<double[]> validCurve = new ArrayList<>();
    int evalEvery = Math.max(1, steps / 10);
    double smoothed = Double.NaN;
    long start = System.nanoTime();
    try (ProgressBar bar = quiet ? null : progressBar(steps)) {
      for (int step = 1; step <= steps; step++) {
        int[][] inputs = new int[seqLen][batch];
        int[] targets = new int[seqLen * batch];
        for (int b = 0; b < batch; b++) {
          int offset = random.nextInt(train.length - seqLen - 1);
          for (int t = 0; t < seqLen; t++) {
            inputs[t][b] = train[offset + t];
            targets[t * batch + b] = train[offset + t + 1];
          }
        }
        model.train();
        Tensor loss = Functional.crossEntropy(model.forward(inputs, null).logits(), targets);
        adam.zeroGrad();
        loss.backward();
        GradClip.clipGradNorm(model.parameters(), 5.0);
        adam.step();
        schedule.step();

        double value = loss.item() / Math.log(2);
        smoothed = Double.isNaN(smoothed) ? value : 0.95 * smoothed + 0.05 * value;
        trainCurve.add(new double[] {step, value});
        if (step % evalEvery == 0 || step == steps) {
          validCurve.add(new double[] {step, bitsPerChar(model, valid, 8_192)});
        }
        if (bar != null) {
          double seconds = (System.nanoTime() - start) / 1e9;
          bar.step();
          bar.setExtraMessage(String.format(Locale.ROOT, " loss %.3f bpc, %,.0f chars/s", smoothed, step * (double) seqLen * batch / seconds));
          if (sampleEvery > 0 && step % sampleEvery == 0) {
            console.printf("%n--- step %d ---%n%s%n", step, generate(model, vocab, "The ", 160, new Random(seed + step)));
          }
        }
      }
    }
    double seconds = (System.nanoTime() - start) / 1e9;

    double validBpc = bitsPerChar(model, valid, valid.length);
    double unigram = unigramBpc(train, valid, vocab.size());
    String generated = generate(model, vocab, "The ", 600, new Random(seed + 7));
    double known = vocabularyFraction(generated, corpusWords(text));

    Path saved = checkpointPath();
    Files.createDirectories(saved.toAbsolutePath().getParent());
    adam.save(optimizerPath(saved));
    Checkpoint.save(model, saved, Map.of(
        "vocab", vocab.chars(), "cell", cell, "hidden", Integer.toString(hidden),
        "embed", Integer.toString(embed), "layers", Integer.toString(layers)));
    Path plot = Charts.lineChart(out.resolve("loss.png"), "char-rnn: " + cell + ", hidden " + hidden, "step", "bits per character", false, List.of(
        Charts.Series.line("training", column(trainCurve, 0), column(trainCurve, 1)),
        Charts.Series.points("validation", column(validCurve, 0), column(validCurve, 1))));

    if (exportOnnx != null) CharRnnOnnx.export(model, exportOnnx, console);
    console.printf(Locale.ROOT, "%ntrained %d steps in %.1f s (%,.0f characters/s)%n", steps, seconds, steps * (double) seqLen * batch / seconds);
    console.printf(Locale.ROOT, "validation: %.3f bits per character (unigram baseline %.3f)%n", validBpc, unigram);
    console.printf(Locale.ROOT, "words of the corpus in the sample: %.0f%%%n", 100 * known);
    console.printf("checkpoint: %s%nplot: %s%n%nsample (temperature %.2f):%n%s%n", saved, plot, temperature, generated);
    report = new Report(validBpc, unigram, generated, known, saved, plot);
    return 0;
  }

  /** Adam's state is saved next to the model: {@code model.safetensors} → {@code model.optim.safetensors}. */
  static Path optimizerPath(Path checkpoint) {
    String name = checkpoint.getFileName().toString();
    String base = name.endsWith(".safetensors") ? name.substring(0, name.length() - ".safetensors".length()) : name;
    return checkpoint.resolveSibling(base + ".optim.safetensors");
  }

  private Path checkpointPath() {
    return checkpoint != null ? checkpoint : out.resolve("char-rnn.safetensors");
  }

  private static ProgressBar progressBar(int steps) {
    return new ProgressBarBuilder().setTaskName("training").setInitialMax(steps).setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(250).build();
  }

  private static CharModel.Cell cellOf(String name) {
    switch (name.toLowerCase(Locale.ROOT)) {
      case "lstm":
        return CharModel.Cell.LSTM;
      case "gru":
        return CharModel.Cell.GRU;
      case "rnn":
        return CharModel.Cell.RNN;
      default:
        throw new IllegalArgumentException("char-rnn: --cell must be lstm, gru or rnn, got " + name);
    }
  }

  private record Loaded(CharModel model, Vocab vocab) {}

  private Loaded load(Path file) throws IOException {
    Map<String, String> meta = dev.tapegrad.io.Safetensors.load(file).metadata();
    if (!meta.containsKey("vocab")) {
      throw new IllegalArgumentException("char-rnn: " + file + " is not a char-rnn checkpoint (no vocab in its metadata)");
    }
    Vocab vocab = new Vocab(meta.get("vocab"));
    cell = meta.get("cell");
    hidden = Integer.parseInt(meta.get("hidden"));
    embed = Integer.parseInt(meta.get("embed"));
    layers = Integer.parseInt(meta.get("layers"));
    CharModel model = new CharModel(cellOf(cell), vocab.size(), embed, hidden, layers, new Random(seed));
    Checkpoint.load(model, file);
    return new Loaded(model, vocab);
  }

  /** Mean cross-entropy in bits per character over up to {@code limit} characters of {@code data}. */
  static double bitsPerChar(CharModel model, int[] data, int limit) {
    model.eval();
    int window = 128;
    int usable = Math.min(limit, data.length - 1);
    int windows = Math.max(1, usable / window);
    int batch = Math.min(windows, 64);
    double total = 0;
    long count = 0;
    try (var scope = Autograd.noGrad()) {
      for (int first = 0; first < windows; first += batch) {
        int b = Math.min(batch, windows - first);
        int[][] inputs = new int[window][b];
        int[] targets = new int[window * b];
        for (int j = 0; j < b; j++) {
          int offset = (first + j) * window;
          for (int t = 0; t < window; t++) {
            inputs[t][j] = data[offset + t];
            targets[t * b + j] = data[offset + t + 1];
          }
        }
        Tensor loss = Functional.crossEntropy(model.forward(inputs, null).logits(), targets);
        total += loss.item() * targets.length;
        count += targets.length;
      }
    }
    model.train();
    return total / count / Math.log(2);
  }

  /** Cross-entropy in bits of a unigram model (add-one smoothed training frequencies) on {@code valid}. */
  static double unigramBpc(int[] train, int[] valid, int vocab) {
    double[] counts = new double[vocab];
    java.util.Arrays.fill(counts, 1);
    for (int c : train) {
      counts[c]++;
    }
    double total = train.length + vocab;
    double bits = 0;
    for (int c : valid) {
      bits -= Math.log(counts[c] / total) / Math.log(2);
    }
    return bits / valid.length;
  }

  /** Samples {@code length} characters after {@code prompt}, one at a time, at the configured temperature. */
  String generate(CharModel model, Vocab vocab, String prompt, int length, Random random) {
    model.eval();
    StringBuilder sb = new StringBuilder(prompt);
    try (var scope = Autograd.noGrad()) {
      RnnState state = null;
      int[] promptIds = vocab.encode(prompt);
      int[][] tokens = new int[promptIds.length][1];
      for (int t = 0; t < promptIds.length; t++) {
        tokens[t][0] = promptIds[t];
      }
      CharModel.Result result = model.forward(tokens, state);
      for (int i = 0; i < length; i++) {
        Tensor last = result.logits().narrow(0, result.logits().size(0) - 1, 1).reshape(-1);
        float[] probs = last.div((float) temperature).softmax(0).toFloatArray();
        int next = sampleIndex(probs, random);
        sb.append(vocab.charAt(next));
        result = model.forward(new int[][] {{next}}, result.state());
      }
    }
    model.train();
    return sb.toString();
  }

  private static int sampleIndex(float[] probs, Random random) {
    double u = random.nextDouble();
    double acc = 0;
    for (int i = 0; i < probs.length; i++) {
      acc += probs[i];
      if (u < acc) {
        return i;
      }
    }
    return probs.length - 1;
  }

  /** The lower-case words of a text. */
  static Set<String> corpusWords(String text) {
    Set<String> words = new TreeSet<>();
    for (String w : text.toLowerCase(Locale.ROOT).split("[^\\p{L}']+")) {
      if (!w.isEmpty()) {
        words.add(w);
      }
    }
    return words;
  }

  /** The fraction of whole words of {@code sample} (the last, possibly cut, excluded) that are in {@code vocabulary}. */
  static double vocabularyFraction(String sample, Set<String> vocabulary) {
    String[] words = sample.toLowerCase(Locale.ROOT).split("[^\\p{L}']+");
    int known = 0;
    int total = 0;
    for (int i = 0; i < words.length - 1; i++) {
      if (!words[i].isEmpty()) {
        total++;
        known += vocabulary.contains(words[i]) ? 1 : 0;
      }
    }
    return total == 0 ? 0 : known / (double) total;
  }

  private static double[] column(List<double[]> rows, int c) {
    return rows.stream().mapToDouble(r -> r[c]).toArray();
  }

  void setConsole(PrintStream console) {
    this.console = console;
  }
}
