package dev.tapegrad.benchmarks;

import dev.tapegrad.autograd.Functional;
import dev.tapegrad.autograd.Tensor;
import dev.tapegrad.nn.Embedding;
import dev.tapegrad.nn.Gru;
import dev.tapegrad.nn.Linear;
import dev.tapegrad.nn.Lstm;
import dev.tapegrad.nn.RecurrentLayer;
import dev.tapegrad.nn.Rnn;
import dev.tapegrad.optim.Adam;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;

/**
 * The workloads timed by the JMH benchmarks and by {@link Compare}. {@code tools/bench_torch.py}
 * and the DJL runner build the same ones (same shapes, same ops, same optimizer, same names), so a
 * name in one table row means the same work in every column. Values are random, since float speed
 * does not depend on them (no denormals: inputs are standard normal or small uniform).
 *
 * <ul>
 *   <li>{@code matmul N}: {@code a.matmul(b)} of two square {@code [N, N]} matrices, nothing
 *       recorded; reported in GFLOP/s ({@code 2 N^3} per call).
 *   <li>{@code mlp 784-128-10 batch B}: one training step of a relu perceptron (forward,
 *       cross-entropy, backward, Adam lr 1e-3), batch 1, 32 and 64; {@code mlp 784-256-128-10 batch
 *       64} the same with two hidden layers.
 *   <li>{@code lstm char step}, {@code gru char step}, {@code rnn char step}: one training step of
 *       the char-rnn example's model: embedding 49 to 32, one recurrent layer of 128 (LSTM, GRU or
 *       tanh Elman), 64 steps time-major, batch 32, a linear head back to 49, cross-entropy, Adam
 *       lr 1e-3. {@code lstm h512 char step} has 512 hidden units; {@code lstm 2-layer char step}
 *       two stacked LSTM layers of 128.
 *   <li>{@code chain 100 ops}: forward and backward of 100 elementwise ops on a {@code [8]} vector
 *       (alternately times and plus a constant vector), summed; reported per op (time / 100): the
 *       cost of recording and replaying the tape, not of arithmetic.
 * </ul>
 */
final class Workloads {
  static final int[] MATMUL_SIZES = {256, 512, 1024};
  static final int SMALL_OP_LENGTH = 8;
  static final int CHAIN_OPS = 100;
  static final int[] MLP_SMALL = {784, 128, 10};
  static final int[] MLP_DEEP = {784, 256, 128, 10};
  static final int[] MLP_BATCHES = {1, 32, 64};
  static final int CHAR_VOCAB = 49;
  static final int CHAR_EMBED = 32;
  static final int CHAR_HIDDEN = 128;
  static final int CHAR_STEPS = 64;
  static final int CHAR_BATCH = 32;
  static final double LEARNING_RATE = 1e-3;

  private Workloads() {}

  /**
   * One timed workload.
   *
   * @param name the name shared with the PyTorch and DJL runners
   * @param unit how a time is shown: {@link Unit#GFLOPS} divides {@code work} flops by it, {@link
   *     Unit#PER_OP} divides it by {@code work} ops, {@link Unit#TIME} shows it as is
   * @param work flops or ops per call, 1 for {@link Unit#TIME}
   * @param task one call
   */
  record Workload(String name, Unit unit, double work, Supplier<?> task) {}

  /** How a workload's time per call is reported. */
  enum Unit {
    TIME,
    GFLOPS,
    PER_OP
  }

  /** Every workload, in the order of the comparison table. */
  static List<Workload> all() {
    List<Workload> list = new ArrayList<>();
    for (int size : MATMUL_SIZES) {
      Matmul w = new Matmul(size);
      list.add(new Workload(w.name(), Unit.GFLOPS, w.flops(), w::run));
    }
    for (int batch : MLP_BATCHES) {
      Mlp w = new Mlp(batch, MLP_SMALL);
      list.add(new Workload(w.name(), Unit.TIME, 1, w::run));
    }
    Mlp deep = new Mlp(64, MLP_DEEP);
    list.add(new Workload(deep.name(), Unit.TIME, 1, deep::run));
    for (CharStep w :
        List.of(
            new CharStep("lstm", CHAR_HIDDEN, 1),
            new CharStep("gru", CHAR_HIDDEN, 1),
            new CharStep("rnn", CHAR_HIDDEN, 1),
            new CharStep("lstm", 512, 1),
            new CharStep("lstm", CHAR_HIDDEN, 2))) {
      list.add(new Workload(w.name(), Unit.TIME, 1, w::run));
    }
    Chain chain = new Chain();
    list.add(new Workload(chain.name(), Unit.PER_OP, CHAIN_OPS, chain::run));
    return list;
  }

  /** {@code a.matmul(b)} for two square {@code [size, size]} matrices, nothing recorded. */
  static final class Matmul {
    final int size;
    private final Tensor a;
    private final Tensor b;

    Matmul(int size) {
      this.size = size;
      Random random = new Random(1);
      this.a = Tensor.randn(random, size, size);
      this.b = Tensor.randn(random, size, size);
    }

    String name() {
      return "matmul " + size;
    }

    /** Multiply-adds times two. */
    double flops() {
      return 2.0 * size * size * size;
    }

    Tensor run() {
      return a.matmul(b);
    }
  }

  /**
   * {@code a.add(b)} for two {@code [8]} vectors: almost all of the time is per-op overhead. With
   * {@code recordGrad} both inputs require grad, so the op also records its backward. JMH only.
   */
  static final class Add {
    final boolean recordGrad;
    private final Tensor a;
    private final Tensor b;

    Add(boolean recordGrad) {
      this.recordGrad = recordGrad;
      Random random = new Random(2);
      this.a = Tensor.randn(random, SMALL_OP_LENGTH).requiresGrad(recordGrad);
      this.b = Tensor.randn(random, SMALL_OP_LENGTH).requiresGrad(recordGrad);
    }

    Tensor run() {
      return a.add(b);
    }
  }

  /**
   * A chain of {@value #CHAIN_OPS} elementwise ops on a {@code [8]} vector that requires grad, then
   * its sum and the backward pass: almost all of the time is per-op overhead.
   *
   * <pre>
   * y = x;  for i in 0..99: y = (i even) ? y * w : y + b;  y.sum().backward()
   * </pre>
   *
   * {@code w} is drawn from [0.9, 1.1] so the values stay near 1 over the chain.
   */
  static final class Chain {
    private final Tensor x;
    private final Tensor w;
    private final Tensor b;

    Chain() {
      Random random = new Random(2);
      this.x = Tensor.randn(random, SMALL_OP_LENGTH).requiresGrad(true);
      this.w = Tensor.uniform(random, 0.9f, 1.1f, SMALL_OP_LENGTH);
      this.b = Tensor.randn(random, SMALL_OP_LENGTH);
    }

    String name() {
      return "chain " + CHAIN_OPS + " ops";
    }

    Tensor input() {
      return x;
    }

    /** Runs the chain and its backward; returns the sum. */
    Tensor run() {
      x.zeroGrad();
      Tensor y = x;
      for (int i = 0; i < CHAIN_OPS; i++) {
        y = i % 2 == 0 ? y.mul(w) : y.add(b);
      }
      Tensor sum = y.sum();
      sum.backward();
      return sum;
    }
  }

  /**
   * One training step of a relu perceptron with layer sizes {@code sizes} (784-128-10 or
   * 784-256-128-10), cross-entropy and Adam:
   *
   * <pre>
   * h_1 = relu(x w_1 + b_1), ..., logits = h_{n-1} w_n + b_n
   * loss = crossEntropy(logits, targets);  zeroGrad; backward; Adam step
   * </pre>
   *
   * Weights are {@code [in, out]} tensors used directly (no {@code Linear}), as in the PyTorch and
   * DJL versions.
   */
  static final class Mlp {
    final int batch;
    private final int[] sizes;
    private final Tensor x;
    private final int[] targets;
    private final List<Tensor> parameters;
    private final Adam adam;

    Mlp(int batch, int... sizes) {
      this.batch = batch;
      this.sizes = sizes.clone();
      Random random = new Random(3);
      this.x = Tensor.randn(random, batch, sizes[0]);
      int classes = sizes[sizes.length - 1];
      this.targets = new int[batch];
      for (int i = 0; i < batch; i++) {
        targets[i] = random.nextInt(classes);
      }
      List<Tensor> p = new ArrayList<>();
      for (int l = 0; l + 1 < sizes.length; l++) {
        float scale = (float) (1 / Math.sqrt(sizes[l]));
        p.add(Tensor.uniform(random, -scale, scale, sizes[l], sizes[l + 1]).requiresGrad(true));
        p.add(Tensor.uniform(random, -scale, scale, sizes[l + 1]).requiresGrad(true));
      }
      this.parameters = List.copyOf(p);
      this.adam = new Adam(parameters, Adam.options().lr(LEARNING_RATE));
    }

    String name() {
      StringBuilder s = new StringBuilder("mlp ");
      for (int i = 0; i < sizes.length; i++) {
        s.append(i == 0 ? "" : "-").append(sizes[i]);
      }
      return s.append(" batch ").append(batch).toString();
    }

    List<Tensor> parameters() {
      return parameters;
    }

    /** Runs the step and returns the loss (computed before the update). */
    Tensor run() {
      Tensor h = x;
      for (int l = 0; l < parameters.size(); l += 2) {
        h = h.matmul(parameters.get(l)).add(parameters.get(l + 1));
        if (l + 2 < parameters.size()) {
          h = h.relu();
        }
      }
      Tensor loss = Functional.crossEntropy(h, targets);
      adam.zeroGrad();
      loss.backward();
      adam.step();
      return loss;
    }
  }

  /**
   * One training step of the {@code char-rnn} example's model (vocabulary 49, embedding 32, {@code
   * layers} recurrent layers of {@code hidden} units, 64 steps, batch 32): forward, cross-entropy,
   * backward, Adam update.
   *
   * <pre>
   * h     = RNN(embedding[x])            (LSTM, GRU or tanh Elman, time-major [64, 32, 32])
   * loss  = crossEntropy(h W_headᵀ + b_head, next characters)
   * </pre>
   */
  static final class CharStep {
    final String cell;
    final int hidden;
    final int layers;
    private final Embedding embedding;
    private final RecurrentLayer rnn;
    private final Linear head;
    private final Adam adam;
    private final List<Tensor> parameters;
    private final int[] inputs;
    private final int[] targets;

    CharStep(String cell, int hidden, int layers) {
      this.cell = cell;
      this.hidden = hidden;
      this.layers = layers;
      Random random = new Random(4);
      embedding = new Embedding(CHAR_VOCAB, CHAR_EMBED, random);
      RecurrentLayer.Builder<? extends RecurrentLayer> builder;
      switch (cell) {
        case "lstm":
          builder = Lstm.builder(CHAR_EMBED, hidden);
          break;
        case "gru":
          builder = Gru.builder(CHAR_EMBED, hidden);
          break;
        case "rnn":
          builder = Rnn.builder(CHAR_EMBED, hidden);
          break;
        default:
          throw new IllegalArgumentException("char step: unknown cell '" + cell + "'");
      }
      rnn = builder.numLayers(layers).build(random);
      head = new Linear(hidden, CHAR_VOCAB, random);
      List<Tensor> p = new ArrayList<>(embedding.parameters());
      p.addAll(rnn.parameters());
      p.addAll(head.parameters());
      parameters = List.copyOf(p);
      adam = new Adam(parameters, Adam.options().lr(LEARNING_RATE));
      inputs = new int[CHAR_STEPS * CHAR_BATCH];
      targets = new int[CHAR_STEPS * CHAR_BATCH];
      for (int i = 0; i < inputs.length; i++) {
        inputs[i] = random.nextInt(CHAR_VOCAB);
        targets[i] = random.nextInt(CHAR_VOCAB);
      }
    }

    /** {@code lstm char step}, {@code lstm h512 char step}, {@code lstm 2-layer char step}. */
    String name() {
      return cell
          + (hidden == CHAR_HIDDEN ? "" : " h" + hidden)
          + (layers == 1 ? "" : " " + layers + "-layer")
          + " char step";
    }

    List<Tensor> parameters() {
      return parameters;
    }

    /** Runs the step and returns the loss (computed before the update). */
    Tensor run() {
      Tensor x = embedding.forward(inputs).reshape(CHAR_STEPS, CHAR_BATCH, CHAR_EMBED);
      Tensor h = rnn.forward(x).output().reshape(CHAR_STEPS * CHAR_BATCH, hidden);
      Tensor loss = Functional.crossEntropy(head.forward(h), targets);
      adam.zeroGrad();
      loss.backward();
      adam.step();
      return loss;
    }
  }
}
