package dev.tapegrad.examples;

import dev.tapegrad.autograd.Autograd;
import dev.tapegrad.autograd.Functional;
import dev.tapegrad.autograd.Tensor;
import dev.tapegrad.data.CharVocabulary;
import dev.tapegrad.data.DataLoader;
import dev.tapegrad.data.Dataset;
import dev.tapegrad.data.Metrics;
import dev.tapegrad.data.WeightedMean;
import dev.tapegrad.io.Safetensors;
import dev.tapegrad.nn.Checkpoint;
import dev.tapegrad.nn.RnnState;
import dev.tapegrad.optim.Adam;
import dev.tapegrad.optim.CosineAnnealingLr;
import dev.tapegrad.optim.GradClip;
import dev.tapegrad.optim.LinearWarmup;
import dev.tapegrad.optim.TrainingState;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Trains a character-level language model and generates text: the main job of tapegrad.
 *
 * <p>The training text (the first 90% of the corpus) is a {@link Dataset} of every window of {@code
 * seqLen + 1} characters; a {@link DataLoader} shuffles it with the seed, a new order each epoch,
 * and collates {@code batch} windows into time-major inputs and next-character targets. Each step
 * minimises the mean cross-entropy with Adam, the gradient norm clipped at 5 and the learning rate
 * warmed up linearly then annealed on a cosine. At the end it reports the validation loss in bits
 * per character next to a unigram baseline, saves a checkpoint and a PNG plot of the losses, and
 * prints samples.
 *
 * <p>Every {@code --save-every} steps (and at the end) the whole run is saved with {@link
 * TrainingState} (model, Adam, schedule, step, the loss curves); {@code --resume} continues it to
 * its planned {@code --steps} with the settings it was started with, bit for bit as if it had not
 * stopped. The batches need no saved generator: the loader's order is a function of the seed and
 * the epoch.
 */
@Command(
    name = "char-rnn",
    mixinStandardHelpOptions = true,
    description = {
      "Train a character-level LSTM (or GRU, or Elman RNN) and generate text.",
      "Relative paths (--out, --checkpoint, --resume) are resolved against the working directory."
    })
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

  @Option(
      names = "--seq-len",
      description = "characters per training window (default: ${DEFAULT-VALUE})")
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

  @Option(
      names = "--out",
      description =
          "folder for the checkpoint, the training state and the plot (default: ${DEFAULT-VALUE}, under the working directory)")
  Path out = Path.of("out", "char-rnn");

  @Option(
      names = "--checkpoint",
      description = "where to save the model (default: OUT/char-rnn.safetensors)")
  Path checkpoint;

  @Option(
      names = "--save-every",
      description =
          "save the training state every N steps, 0 for only at the end (default: ${DEFAULT-VALUE})")
  int saveEvery = 100;

  @Option(
      names = "--stop-at",
      description =
          "stop after step N, saving the training state, as if interrupted (continue with --resume)")
  Integer stopAt;

  @Option(
      names = "--resume",
      description =
          "continue the run saved in this training state (OUT/char-rnn.state.safetensors) to its planned --steps, with its settings")
  Path resume;

  @Option(
      names = "--sample",
      description = "only generate N characters from --checkpoint; no training")
  Integer sample;

  @Option(
      names = "--sample-every",
      description = "print a short sample every N steps, 0 for never (default: ${DEFAULT-VALUE})")
  int sampleEvery = 300;

  @Option(
      names = "--export-onnx",
      description = "also write the trained model as an ONNX file (opset 17)")
  Path exportOnnx;

  @Option(names = "--quiet", description = "no progress display and no intermediate samples")
  boolean quiet;

  /** What a run reports, for tests and for the README. */
  record Report(
      double validationBpc,
      double unigramBpc,
      String sample,
      double vocabularyFraction,
      Path checkpoint,
      Path state,
      Path plot) {}

  /**
   * A batch of windows: inputs {@code [T][B]} (time-major) and the targets, row {@code t * B + b}.
   */
  record Windows(int[][] inputs, int[] targets) {}

  /** The settings that determine a run: saved in its training state and restored by --resume. */
  private static final List<String> SETTINGS =
      List.of(
          "cell", "hidden", "embed", "layers", "seq-len", "batch", "steps", "lr", "seed", "corpus");

  private Report report;
  private PrintStream console = System.out;

  Report report() {
    return report;
  }

  @Override
  public Integer call() throws IOException {
    if (sample != null) {
      Loaded loaded = load(checkpointPath());
      console.println(generate(loaded.model, loaded.vocab, "The ", sample, new Random(seed)));
      return 0;
    }
    Map<String, String> saved = resume == null ? Map.of() : Safetensors.load(resume).metadata();
    if (resume != null) {
      restoreSettings(saved);
    }
    String text =
        corpus == null
            ? BuiltInCorpus.standard()
            : Files.readString(corpus, StandardCharsets.UTF_8);
    if (text.length() < 10 * (seqLen + 1)) {
      throw new IllegalArgumentException(
          "char-rnn: corpus of "
              + text.length()
              + " characters is too short for --seq-len "
              + seqLen);
    }
    CharVocabulary vocab =
        resume == null ? CharVocabulary.of(text) : CharVocabulary.fromChars(saved.get("vocab"));
    int[] encoded = vocab.encode(text);
    int split = (int) (encoded.length * 0.9);
    int[] train = Arrays.copyOfRange(encoded, 0, split);
    int[] valid = Arrays.copyOfRange(encoded, split, encoded.length);
    CharModel model =
        new CharModel(cellOf(cell), vocab.size(), embed, hidden, layers, new Random(seed));

    // every window of seqLen + 1 characters of the training text, shuffled anew each epoch
    Dataset<int[]> windows =
        Dataset.fromFunction(
            train.length - seqLen,
            offset -> Arrays.copyOfRange(train, offset, offset + seqLen + 1));
    DataLoader<int[], Windows> loader =
        DataLoader.builder(windows, CharRnn::collate)
            .batchSize(batch)
            .shuffle(seed)
            .dropLast(true)
            .build();

    console.printf(
        Locale.ROOT,
        "char-rnn: %s, %,d characters (%d distinct), %d train / %d validation, %d windows a batch%n",
        corpus == null ? "built-in corpus" : corpus,
        text.length(),
        vocab.size(),
        train.length,
        valid.length,
        batch);
    console.println(model);

    Adam adam = new Adam(model.parameters(), Adam.options().lr(lr));
    int warmup = Math.max(1, steps / 20);
    LinearWarmup schedule =
        new LinearWarmup(
            adam, warmup, 0.1, new CosineAnnealingLr(adam, Math.max(1, steps - warmup), lr / 20));
    List<double[]> trainCurve = new ArrayList<>();
    List<double[]> validCurve = new ArrayList<>();
    TrainingState state =
        TrainingState.of(model::stateDict, model::loadStateDict)
            .optimizer(adam)
            .schedule(schedule)
            .part(
                "curves.",
                () -> curves(trainCurve, validCurve),
                loaded -> restoreCurves(loaded, trainCurve, validCurve));
    Path statePath = statePath();
    int done = 0;
    if (resume != null) {
      done = (int) state.load(resume).step();
      console.printf(Locale.ROOT, "resumed the run of %s at step %d of %d%n", resume, done, steps);
    }

    int evalEvery = Math.max(1, steps / 10);
    int last = stopAt == null ? steps : Math.min(steps, stopAt);
    int perEpoch = loader.batchesPerEpoch();
    double smoothed = Double.NaN;
    long start = System.nanoTime();
    Iterator<Windows> batches = loader.epoch(done / perEpoch, done % perEpoch).iterator();
    try (Progress progress = quiet ? null : Progress.start("training", last - done, console)) {
      for (int step = done + 1; step <= last; step++) {
        if (!batches.hasNext()) {
          batches = loader.epoch((step - 1) / perEpoch).iterator();
        }
        Windows b = batches.next();
        model.train();
        Tensor loss =
            Functional.crossEntropy(model.forward(b.inputs(), null).logits(), b.targets());
        adam.zeroGrad();
        loss.backward();
        GradClip.clipGradNorm(model.parameters(), 5.0);
        adam.step();
        schedule.step();

        double value = Metrics.bitsPerCharacter(loss.item());
        smoothed = Double.isNaN(smoothed) ? value : 0.95 * smoothed + 0.05 * value;
        trainCurve.add(new double[] {step, value});
        if (step % evalEvery == 0 || step == steps) {
          validCurve.add(new double[] {step, bitsPerChar(model, valid, 8_192)});
        }
        if (step == last || (saveEvery > 0 && step % saveEvery == 0)) {
          Files.createDirectories(statePath.toAbsolutePath().getParent());
          state.save(statePath, step, settings(vocab));
        }
        if (progress != null) {
          double seconds = (System.nanoTime() - start) / 1e9;
          progress.step(
              String.format(
                  Locale.ROOT,
                  "loss %.3f bpc, %,.0f chars/s",
                  smoothed,
                  (step - done) * (double) seqLen * batch / seconds));
          if (sampleEvery > 0 && step % sampleEvery == 0) {
            progress.log(
                String.format(
                    "--- step %d ---%n%s",
                    step, generate(model, vocab, "The ", 160, new Random(seed + step))));
          }
        }
      }
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    if (last < steps) {
      console.printf(
          Locale.ROOT,
          "stopped at step %d of %d; continue with --resume %s%n",
          last,
          steps,
          statePath);
      return 0;
    }

    double validBpc = bitsPerChar(model, valid, valid.length);
    double unigram = unigramBpc(train, valid, vocab.size());
    String generated = generate(model, vocab, "The ", 600, new Random(seed + 7));
    double known = vocabularyFraction(generated, corpusWords(text));

    Path modelPath = checkpointPath();
    Files.createDirectories(modelPath.toAbsolutePath().getParent());
    Checkpoint.save(model, modelPath, settings(vocab));
    Path plot =
        Charts.lineChart(
            out.resolve("loss.png"),
            "char-rnn: " + cell + ", hidden " + hidden,
            "step",
            "bits per character",
            false,
            List.of(
                Charts.Series.line("training", column(trainCurve, 0), column(trainCurve, 1)),
                Charts.Series.points("validation", column(validCurve, 0), column(validCurve, 1))));

    if (exportOnnx != null) CharRnnOnnx.export(model, exportOnnx, console);
    console.printf(
        Locale.ROOT,
        "%ntrained %d steps in %.1f s (%,.0f characters/s)%n",
        steps - done,
        seconds,
        (steps - done) * (double) seqLen * batch / seconds);
    console.printf(
        Locale.ROOT,
        "validation: %.3f bits per character (unigram baseline %.3f)%n",
        validBpc,
        unigram);
    console.printf(Locale.ROOT, "words of the corpus in the sample: %.0f%%%n", 100 * known);
    console.printf(
        "checkpoint: %s%ntraining state: %s%nplot: %s%n%nsample (temperature %.2f):%n%s%n",
        modelPath.toAbsolutePath(),
        statePath.toAbsolutePath(),
        plot.toAbsolutePath(),
        temperature,
        generated);
    report = new Report(validBpc, unigram, generated, known, modelPath, statePath, plot);
    return 0;
  }

  /** Time-major inputs and next-character targets of a list of windows. */
  static Windows collate(List<int[]> windows) {
    int b = windows.size();
    int t = windows.get(0).length - 1;
    int[][] inputs = new int[t][b];
    int[] targets = new int[t * b];
    for (int j = 0; j < b; j++) {
      int[] w = windows.get(j);
      for (int s = 0; s < t; s++) {
        inputs[s][j] = w[s];
        targets[s * b + j] = w[s + 1];
      }
    }
    return new Windows(inputs, targets);
  }

  private Map<String, String> settings(CharVocabulary vocab) {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("vocab", vocab.chars());
    m.put("cell", cell);
    m.put("hidden", Integer.toString(hidden));
    m.put("embed", Integer.toString(embed));
    m.put("layers", Integer.toString(layers));
    m.put("seq-len", Integer.toString(seqLen));
    m.put("batch", Integer.toString(batch));
    m.put("steps", Integer.toString(steps));
    m.put("lr", Double.toString(lr));
    m.put("seed", Long.toString(seed));
    m.put("corpus", corpus == null ? "" : corpus.toString());
    return m;
  }

  private void restoreSettings(Map<String, String> m) {
    for (String key : SETTINGS) {
      if (!m.containsKey(key)) {
        throw new IllegalArgumentException(
            "char-rnn: "
                + resume
                + " is not a char-rnn training state (no "
                + key
                + " in its metadata)");
      }
    }
    cell = m.get("cell");
    hidden = Integer.parseInt(m.get("hidden"));
    embed = Integer.parseInt(m.get("embed"));
    layers = Integer.parseInt(m.get("layers"));
    seqLen = Integer.parseInt(m.get("seq-len"));
    batch = Integer.parseInt(m.get("batch"));
    steps = Integer.parseInt(m.get("steps"));
    lr = Double.parseDouble(m.get("lr"));
    seed = Long.parseLong(m.get("seed"));
    if (corpus == null && !m.get("corpus").isEmpty()) {
      corpus = Path.of(m.get("corpus"));
    }
  }

  private static Map<String, Tensor> curves(List<double[]> train, List<double[]> valid) {
    return Map.of("train", curveTensor(train), "valid", curveTensor(valid));
  }

  private static Tensor curveTensor(List<double[]> rows) {
    float[] v = new float[rows.size() * 2];
    for (int i = 0; i < rows.size(); i++) {
      v[2 * i] = (float) rows.get(i)[0];
      v[2 * i + 1] = (float) rows.get(i)[1];
    }
    return Tensor.of(v, rows.size(), 2);
  }

  private static void restoreCurves(
      Map<String, Tensor> loaded, List<double[]> train, List<double[]> valid) {
    if (!loaded.containsKey("train") || !loaded.containsKey("valid") || loaded.size() != 2) {
      throw new IllegalArgumentException(
          "expected the curves train and valid, got " + loaded.keySet());
    }
    train.clear();
    valid.clear();
    for (var e : Map.of("train", train, "valid", valid).entrySet()) {
      Tensor t = loaded.get(e.getKey());
      for (int i = 0; i < t.size(0); i++) {
        e.getValue().add(new double[] {t.get(i, 0), t.get(i, 1)});
      }
    }
  }

  private Path checkpointPath() {
    return checkpoint != null ? checkpoint : out.resolve("char-rnn.safetensors");
  }

  /**
   * The training state is saved next to the model: {@code model.safetensors} → {@code
   * model.state.safetensors}.
   */
  private Path statePath() {
    Path model = checkpointPath();
    String name = model.getFileName().toString();
    String base =
        name.endsWith(".safetensors")
            ? name.substring(0, name.length() - ".safetensors".length())
            : name;
    return model.resolveSibling(base + ".state.safetensors");
  }

  private static CharModel.Cell cellOf(String name) {
    return switch (name.toLowerCase(Locale.ROOT)) {
      case "lstm" -> CharModel.Cell.LSTM;
      case "gru" -> CharModel.Cell.GRU;
      case "rnn" -> CharModel.Cell.RNN;
      default ->
          throw new IllegalArgumentException(
              "char-rnn: --cell must be lstm, gru or rnn, got " + name);
    };
  }

  private record Loaded(CharModel model, CharVocabulary vocab) {}

  private Loaded load(Path file) throws IOException {
    Map<String, String> meta = Safetensors.load(file).metadata();
    if (!meta.containsKey("vocab")) {
      throw new IllegalArgumentException(
          "char-rnn: " + file + " is not a char-rnn checkpoint (no vocab in its metadata)");
    }
    CharVocabulary vocab = CharVocabulary.fromChars(meta.get("vocab"));
    cell = meta.get("cell");
    hidden = Integer.parseInt(meta.get("hidden"));
    embed = Integer.parseInt(meta.get("embed"));
    layers = Integer.parseInt(meta.get("layers"));
    CharModel model =
        new CharModel(cellOf(cell), vocab.size(), embed, hidden, layers, new Random(seed));
    Checkpoint.load(model, file);
    return new Loaded(model, vocab);
  }

  /**
   * Mean cross-entropy in bits per character over up to {@code limit} characters of {@code data},
   * in consecutive windows of 128 characters, 64 windows a batch.
   */
  static double bitsPerChar(CharModel model, int[] data, int limit) {
    model.eval();
    int window = 128;
    int usable = Math.min(limit, data.length - 1);
    Dataset<int[]> windows =
        Dataset.fromFunction(
            Math.max(1, usable / window),
            w -> Arrays.copyOfRange(data, w * window, w * window + window + 1));
    DataLoader<int[], Windows> loader =
        DataLoader.builder(windows, CharRnn::collate).batchSize(64).build();
    WeightedMean nats = new WeightedMean();
    try (var scope = Autograd.noGrad()) {
      for (Windows b : loader.epoch(0)) {
        Tensor loss =
            Functional.crossEntropy(model.forward(b.inputs(), null).logits(), b.targets());
        nats.add(loss.item(), b.targets().length);
      }
    }
    model.train();
    return Metrics.bitsPerCharacter(nats.mean());
  }

  /**
   * Cross-entropy in bits of a unigram model (add-one smoothed training frequencies) on {@code
   * valid}.
   */
  static double unigramBpc(int[] train, int[] valid, int vocab) {
    double[] counts = new double[vocab];
    Arrays.fill(counts, 1);
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

  /**
   * Samples {@code length} characters after {@code prompt}, one at a time, at the configured
   * temperature.
   */
  String generate(CharModel model, CharVocabulary vocab, String prompt, int length, Random random) {
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

  /**
   * The fraction of whole words of {@code sample} (the last, possibly cut, excluded) that are in
   * {@code vocabulary}.
   */
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
