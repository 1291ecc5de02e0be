package dev.tapegrad.benchmarks;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.internal.NDArrayEx;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.recurrent.RNN;
import ai.djl.training.GradientCollector;
import ai.djl.training.optimizer.Adam;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The DJL side of the comparison (built only with {@code -Pdjl}): DJL's PyTorch engine, on the
 * libtorch inside the {@code pytorch-native-cpu} jar, runs the MLP and char-rnn workloads of {@link
 * Workloads} and prints them in the format of {@link TapegradRun}.
 *
 * <p>Each step is built from DJL's NDArray operations, not from its {@code Trainer} and blocks, so
 * that it does exactly what the tapegrad and PyTorch steps do and no more: the embedding, the
 * recurrent layer (DJL's {@code NDArrayEx.lstm}, {@code gru} and {@code rnn}, the same fused
 * libtorch kernels DJL's {@code LSTM}, {@code GRU} and {@code RNN} blocks call), the linear head,
 * log-softmax and the pick of each target, DJL's {@code GradientCollector} for the backward pass,
 * and DJL's {@link Adam} (lr 1e-3) on every parameter. Gradients are zeroed after the update, as
 * PyTorch's {@code zero_grad} would before the next backward. Temporaries live in an {@link
 * NDScope} per step, so native memory stays flat.
 *
 * <p>Nothing is downloaded: the {@code djl} profile writes {@code ai.djl.offline=true} and an
 * engine cache under {@code benchmarks/target} into {@code djl.properties}, which {@link Compare}
 * passes on as system properties and this class applies when started by hand. The thread count
 * comes from {@code -Dai.djl.pytorch.num_threads} (and {@code OMP_NUM_THREADS}).
 */
public final class DjlRun {
  private DjlRun() {}

  /** Runs the workloads: {@code [--quick] [--only NAME,NAME...]}. */
  public static void main(String[] args) throws IOException {
    Timing timing = Timing.FULL;
    Set<String> only = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--quick":
          timing = Timing.QUICK;
          break;
        case "--only":
          only = new HashSet<>(Arrays.asList(args[++i].split(",")));
          break;
        default:
          System.err.println("usage: DjlRun [--quick] [--only NAME,NAME...]");
          System.exit(2);
      }
    }
    applyOfflineSettings();
    Engine engine = Engine.getEngine("PyTorch");
    System.out.println("# djl " + Engine.getDjlVersion());
    System.out.println("# libtorch " + engine.getVersion());
    System.out.println(
        "# threads " + System.getProperty("ai.djl.pytorch.num_threads", "(default)"));
    System.out.println("# offline " + ai.djl.util.Utils.isOfflineMode());
    System.out.flush();
    try (NDManager manager = engine.newBaseManager()) {
      Map<String, Supplier<?>> tasks = tasks(manager);
      if (only != null) {
        for (String name : only) {
          if (!tasks.containsKey(name)
              && !Workloads.all().stream().anyMatch(w -> w.name().equals(name))) {
            throw new IllegalArgumentException("--only: unknown workload '" + name + "'");
          }
        }
      }
      for (Map.Entry<String, Supplier<?>> e : tasks.entrySet()) {
        if (only == null || only.contains(e.getKey())) {
          double seconds = timing.median(e.getValue());
          System.out.println(e.getKey() + "\t" + seconds);
          System.out.flush();
        }
      }
    }
  }

  /** Sets the properties of {@code djl.properties} that the command line did not set. */
  private static void applyOfflineSettings() throws IOException {
    try (InputStream in = DjlRun.class.getResourceAsStream("djl.properties")) {
      if (in == null) {
        return;
      }
      Properties p = new Properties();
      p.load(in);
      for (String key : p.stringPropertyNames()) {
        if (System.getProperty(key) == null) {
          System.setProperty(key, p.getProperty(key));
        }
      }
    }
  }

  /** The workloads DJL runs, by name, in table order. */
  static Map<String, Supplier<?>> tasks(NDManager manager) {
    Map<String, Supplier<?>> tasks = new LinkedHashMap<>();
    for (int batch : Workloads.MLP_BATCHES) {
      Mlp m = new Mlp(manager, batch, Workloads.MLP_SMALL);
      tasks.put(m.name, m::run);
    }
    Mlp deep = new Mlp(manager, 64, Workloads.MLP_DEEP);
    tasks.put(deep.name, deep::run);
    for (Object[] c :
        new Object[][] {
          {"lstm", Workloads.CHAR_HIDDEN, 1},
          {"gru", Workloads.CHAR_HIDDEN, 1},
          {"rnn", Workloads.CHAR_HIDDEN, 1},
          {"lstm", 512, 1},
          {"lstm", Workloads.CHAR_HIDDEN, 2}
        }) {
      CharStep s = new CharStep(manager, (String) c[0], (Integer) c[1], (Integer) c[2]);
      tasks.put(s.name, s::run);
    }
    return tasks;
  }

  /** Parameters with gradients and one Adam over them. */
  private static class Trainable {
    final List<NDArray> parameters = new ArrayList<>();
    final Adam adam =
        Optimizer.adam()
            .optLearningRateTracker(Tracker.fixed((float) Workloads.LEARNING_RATE))
            .build();

    NDArray parameter(NDManager manager, float scale, long... shape) {
      NDArray p = manager.randomUniform(-scale, scale, new Shape(shape));
      p.setRequiresGradient(true);
      parameters.add(p);
      return p;
    }

    /** Adam on every parameter, then the gradients zeroed for the next step. */
    void update() {
      for (int i = 0; i < parameters.size(); i++) {
        NDArray p = parameters.get(i);
        try (NDArray g = p.getGradient()) {
          adam.update(Integer.toString(i), p, g);
          g.subi(g);
        }
      }
    }

    /** Mean cross-entropy of {@code logits [n, classes]} against {@code targets [n, 1]}. */
    static NDArray crossEntropy(NDArray logits, NDArray targets) {
      return logits.logSoftmax(1).gather(targets, 1).mean().neg();
    }
  }

  /** {@link Workloads.Mlp} in DJL: [in, out] weights used directly. */
  static final class Mlp extends Trainable {
    final String name;
    private final NDArray x;
    private final NDArray targets;

    Mlp(NDManager manager, int batch, int[] sizes) {
      StringBuilder s = new StringBuilder("mlp ");
      for (int i = 0; i < sizes.length; i++) {
        s.append(i == 0 ? "" : "-").append(sizes[i]);
      }
      name = s.append(" batch ").append(batch).toString();
      x = manager.randomNormal(new Shape(batch, sizes[0]));
      targets =
          manager.randomInteger(0, sizes[sizes.length - 1], new Shape(batch, 1), DataType.INT64);
      for (int l = 0; l + 1 < sizes.length; l++) {
        float scale = (float) (1 / Math.sqrt(sizes[l]));
        parameter(manager, scale, sizes[l], sizes[l + 1]);
        parameter(manager, scale, sizes[l + 1]);
      }
    }

    float run() {
      float loss;
      try (NDScope scope = new NDScope();
          GradientCollector collector = x.getManager().getEngine().newGradientCollector()) {
        scope.suppressNotUsedWarning(); // the scope closes the step's temporaries
        NDArray h = x;
        for (int l = 0; l < parameters.size(); l += 2) {
          h = h.matMul(parameters.get(l)).add(parameters.get(l + 1));
          if (l + 2 < parameters.size()) {
            h = h.getNDArrayInternal().relu();
          }
        }
        NDArray value = crossEntropy(h, targets);
        collector.backward(value);
        loss = value.getFloat();
      }
      update();
      return loss;
    }
  }

  /** {@link Workloads.CharStep} in DJL: embedding, one fused recurrent op, linear head. */
  static final class CharStep extends Trainable {
    final String name;
    private final String cell;
    private final int hidden;
    private final int layers;
    private final NDArray embedding;
    private final NDList recurrent = new NDList();
    private final NDArray headWeight;
    private final NDArray headBias;
    private final NDArray h0;
    private final NDArray c0;
    private final NDArray inputs;
    private final NDArray targets;

    CharStep(NDManager manager, String cell, int hidden, int layers) {
      this.cell = cell;
      this.hidden = hidden;
      this.layers = layers;
      name =
          cell
              + (hidden == Workloads.CHAR_HIDDEN ? "" : " h" + hidden)
              + (layers == 1 ? "" : " " + layers + "-layer")
              + " char step";
      embedding = parameter(manager, 1f, Workloads.CHAR_VOCAB, Workloads.CHAR_EMBED);
      int gates = cell.equals("lstm") ? 4 : cell.equals("gru") ? 3 : 1;
      float scale = (float) (1 / Math.sqrt(hidden));
      // libtorch's order, layer by layer: weight_ih, weight_hh, bias_ih, bias_hh
      for (int l = 0; l < layers; l++) {
        int in = l == 0 ? Workloads.CHAR_EMBED : hidden;
        recurrent.add(parameter(manager, scale, (long) gates * hidden, in));
        recurrent.add(parameter(manager, scale, (long) gates * hidden, hidden));
        recurrent.add(parameter(manager, scale, (long) gates * hidden));
        recurrent.add(parameter(manager, scale, (long) gates * hidden));
      }
      headWeight = parameter(manager, scale, Workloads.CHAR_VOCAB, hidden);
      headBias = parameter(manager, scale, Workloads.CHAR_VOCAB);
      h0 = manager.zeros(new Shape(layers, Workloads.CHAR_BATCH, hidden));
      c0 = manager.zeros(new Shape(layers, Workloads.CHAR_BATCH, hidden));
      inputs =
          manager.randomInteger(
              0,
              Workloads.CHAR_VOCAB,
              new Shape(Workloads.CHAR_STEPS, Workloads.CHAR_BATCH),
              DataType.INT64);
      targets =
          manager.randomInteger(
              0,
              Workloads.CHAR_VOCAB,
              new Shape((long) Workloads.CHAR_STEPS * Workloads.CHAR_BATCH, 1),
              DataType.INT64);
    }

    float run() {
      float loss;
      try (NDScope scope = new NDScope();
          GradientCollector collector = inputs.getManager().getEngine().newGradientCollector()) {
        scope.suppressNotUsedWarning(); // the scope closes the step's temporaries
        NDArrayEx ex = inputs.getNDArrayInternal();
        NDArray x = ex.embedding(inputs, embedding, SparseFormat.DENSE).singletonOrThrow();
        NDArray h;
        switch (cell) {
          case "lstm":
            h =
                x.getNDArrayInternal()
                    .lstm(x, new NDList(h0, c0), recurrent, true, layers, 0, true, false, false)
                    .get(0);
            break;
          case "gru":
            h =
                x.getNDArrayInternal()
                    .gru(x, h0, recurrent, true, layers, 0, true, false, false)
                    .get(0);
            break;
          default:
            h =
                x.getNDArrayInternal()
                    .rnn(x, h0, recurrent, true, layers, RNN.Activation.TANH, 0, true, false, false)
                    .get(0);
        }
        NDArray flat = h.reshape((long) Workloads.CHAR_STEPS * Workloads.CHAR_BATCH, hidden);
        NDArray logits =
            flat.getNDArrayInternal().linear(flat, headWeight, headBias).singletonOrThrow();
        NDArray value = crossEntropy(logits, targets);
        collector.backward(value);
        loss = value.getFloat();
      }
      update();
      return loss;
    }
  }
}
