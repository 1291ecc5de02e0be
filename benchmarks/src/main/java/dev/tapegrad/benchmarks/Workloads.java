package dev.tapegrad.benchmarks;

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
}
