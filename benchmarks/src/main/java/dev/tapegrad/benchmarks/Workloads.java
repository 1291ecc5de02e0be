package dev.tapegrad.benchmarks;

import dev.tapegrad.nn.Embedding;
import dev.tapegrad.nn.Gru;
import dev.tapegrad.nn.Linear;
import dev.tapegrad.nn.Lstm;
import dev.tapegrad.nn.RecurrentLayer;
import dev.tapegrad.nn.Rnn;
import dev.tapegrad.optim.Adam;
import java.util.ArrayList;

import dev.tapegrad.autograd.Functional;
import dev.tapegrad.autograd.Tensor;
import java.util.List;
import java.util.Random;

/**
 * The workloads timed by the JMH benchmarks and by {@link Compare}; {@code tools/bench_torch.py}
 * builds the same ones in PyTorch (same shapes, same ops, same names). Values are random, since
 * float speed does not depend on them (no denormals: inputs are standard normal).
 */
final class Workloads {
  static final int[] MATMUL_SIZES = {64, 128, 256, 512, 1024};
  static final int SMALL_OP_LENGTH = 8;
  static final int MLP_IN = 784;
  static final int MLP_HIDDEN = 128;
  static final int MLP_OUT = 10;
  static final int[] MLP_BATCHES = {1, 32};
  static final String[] RECURRENT_CELLS = {"lstm", "gru", "rnn"};
  static final int CHAR_VOCAB = 49;
  static final int CHAR_EMBED = 32;
  static final int CHAR_HIDDEN = 128;
  static final int CHAR_STEPS = 64;
  static final int CHAR_BATCH = 32;

  private Workloads() {}

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
   * {@code recordGrad} both inputs require grad, so the op also records its backward.
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

    String name() {
      return "add [8]" + (recordGrad ? " requires_grad" : "");
    }

    Tensor run() {
      return a.add(b);
    }
  }

  /**
   * One training step's forward and backward of a two-layer perceptron, 784-128-10 with relu and
   * cross-entropy, gradients cleared first (as an optimizer's {@code zeroGrad} would):
   *
   * <pre>
   * logits = relu(x w1 + b1) w2 + b2
   * loss   = crossEntropy(logits, targets)
   * </pre>
   */
  static final class Mlp {
    final int batch;
    private final Tensor x;
    private final int[] targets;
    private final List<Tensor> parameters;

    Mlp(int batch) {
      this.batch = batch;
      Random random = new Random(3);
      this.x = Tensor.randn(random, batch, MLP_IN);
      this.targets = new int[batch];
      for (int i = 0; i < batch; i++) {
        targets[i] = random.nextInt(MLP_OUT);
      }
      float scale1 = (float) (1 / Math.sqrt(MLP_IN));
      float scale2 = (float) (1 / Math.sqrt(MLP_HIDDEN));
      this.parameters =
          List.of(
              Tensor.uniform(random, -scale1, scale1, MLP_IN, MLP_HIDDEN).requiresGrad(true),
              Tensor.uniform(random, -scale1, scale1, MLP_HIDDEN).requiresGrad(true),
              Tensor.uniform(random, -scale2, scale2, MLP_HIDDEN, MLP_OUT).requiresGrad(true),
              Tensor.uniform(random, -scale2, scale2, MLP_OUT).requiresGrad(true));
    }

    String name() {
      return "mlp step batch " + batch;
    }

    List<Tensor> parameters() {
      return parameters;
    }

    /** Runs the step and returns the loss. */
    Tensor run() {
      for (Tensor p : parameters) {
        p.zeroGrad();
      }
      Tensor hidden = x.matmul(parameters.get(0)).add(parameters.get(1)).relu();
      Tensor logits = hidden.matmul(parameters.get(2)).add(parameters.get(3));
      Tensor loss = Functional.crossEntropy(logits, targets);
      loss.backward();
      return loss;
    }
  }

  /**
   * One training step of the {@code char-rnn} example's model (vocabulary 49, embedding 32, one
   * recurrent layer of 128, 64 steps, batch 32): forward, cross-entropy, backward, Adam update.
   *
   * <pre>
   * h     = RNN(embedding[x])            (LSTM, GRU or Elman, time-major [64, 32, 32])
   * loss  = crossEntropy(h W_headᵀ + b_head, next characters)
   * </pre>
   */
  static final class CharStep {
    final String cell;
    private final Embedding embedding;
    private final RecurrentLayer rnn;
    private final Linear head;
    private final Adam adam;
    private final int[] inputs;
    private final int[] targets;

    CharStep(String cell) {
      this.cell = cell;
      Random random = new Random(4);
      embedding = new Embedding(CHAR_VOCAB, CHAR_EMBED, random);
      RecurrentLayer.Builder<? extends RecurrentLayer> builder =
          cell.equals("lstm")
              ? Lstm.builder(CHAR_EMBED, CHAR_HIDDEN)
              : cell.equals("gru") ? Gru.builder(CHAR_EMBED, CHAR_HIDDEN) : Rnn.builder(CHAR_EMBED, CHAR_HIDDEN);
      rnn = builder.build(random);
      head = new Linear(CHAR_HIDDEN, CHAR_VOCAB, random);
      List<Tensor> parameters = new ArrayList<>(embedding.parameters());
      parameters.addAll(rnn.parameters());
      parameters.addAll(head.parameters());
      adam = new Adam(parameters, Adam.options().lr(1e-3));
      inputs = new int[CHAR_STEPS * CHAR_BATCH];
      targets = new int[CHAR_STEPS * CHAR_BATCH];
      for (int i = 0; i < inputs.length; i++) {
        inputs[i] = random.nextInt(CHAR_VOCAB);
        targets[i] = random.nextInt(CHAR_VOCAB);
      }
    }

    String name() {
      return cell + " char step";
    }

    /** Runs the step and returns the loss. */
    Tensor run() {
      Tensor x = embedding.forward(inputs).reshape(CHAR_STEPS, CHAR_BATCH, CHAR_EMBED);
      Tensor h = rnn.forward(x).output().reshape(CHAR_STEPS * CHAR_BATCH, CHAR_HIDDEN);
      Tensor loss = Functional.crossEntropy(head.forward(h), targets);
      adam.zeroGrad();
      loss.backward();
      adam.step();
      return loss;
    }
  }
}
