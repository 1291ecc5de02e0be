package dev.tapegrad.autograd;

import dev.tapegrad.autograd.kernel.KernelProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Computes fingerprints of tapegrad's results, for {@link ReproducibilityTest} to compare across
 * JVMs, thread counts and JIT states: every elementwise function on awkward lengths, a seeded
 * training run of a small MLP with Adam (forward, backward and update through the kernels), and a
 * product large enough to be split across threads. Run as a program it prints one {@code name=hex}
 * line per fingerprint; {@code small} skips the large product, for the interpreter.
 */
final class ReproducibilityProbe {
  private ReproducibilityProbe() {}

  public static void main(String[] args) {
    boolean small = args.length > 0 && args[0].equals("small");
    System.out.println("kernels=" + KernelProvider.get().name());
    System.out.println("ops=" + ops());
    System.out.println("train=" + train(small ? 3 : 40));
    if (!small) {
      // the same again, once C2 has compiled the kernels
      warmUp();
      System.out.println("opsWarm=" + ops());
      System.out.println("trainWarm=" + train(40));
      System.out.println("product=" + product());
    }
  }

  /** FNV-1a over the raw bits of floats, NaN made canonical. */
  static final class Hash {
    private long h = 0xcbf29ce484222325L;

    void add(float[] values) {
      for (float v : values) {
        h = (h ^ Float.floatToIntBits(v)) * 0x100000001b3L;
      }
    }

    @Override
    public String toString() {
      return Long.toHexString(h);
    }
  }

  /** Calls the elementwise kernels often enough for C2 to compile their vector loops. */
  static void warmUp() {
    Tensor t = Tensor.randn(new Random(1), 256);
    Tensor positive = t.abs().add(1e-3f);
    for (int i = 0; i < 4000; i++) {
      t.exp();
      positive.log();
      t.tanh();
      t.sigmoid();
      t.softplus();
      t.sin();
      t.cos();
    }
  }

  /** Every unary op, through the public ops, on lengths around the vector widths. */
  static String ops() {
    Hash hash = new Hash();
    Random random = new Random(5);
    for (int n : new int[] {1, 7, 31, 33, 67, 1029}) {
      float[] x = new float[n];
      for (int i = 0; i < n; i++) {
        x[i] = (float) (random.nextGaussian() * (i % 3 == 0 ? 30 : 2));
      }
      Tensor t = Tensor.vector(x);
      Tensor positive = t.abs().add(1e-3f);
      for (Tensor r :
          List.of(
              t.exp(),
              positive.log(),
              t.tanh(),
              t.sigmoid(),
              t.softplus(),
              t.sin(),
              t.cos(),
              t.erf(),
              t.gelu(),
              positive.sqrt(),
              positive.pow(1.7f),
              t.softmax(0),
              t.logSoftmax(0),
              t.logSumExp())) {
        hash.add(r.toFloatArray());
      }
    }
    return hash.toString();
  }

  /** Steps of Adam on a 2-layer MLP (tanh, then softmax cross-entropy), all seeded. */
  static String train(int steps) {
    Random random = new Random(42);
    int batch = 16;
    int in = 12;
    int hidden = 40;
    int classes = 5;
    Tensor w1 = Tensor.randn(random, in, hidden).mul(0.3f).requiresGrad(true);
    Tensor b1 = Tensor.zeros(hidden).requiresGrad(true);
    Tensor w2 = Tensor.randn(random, hidden, classes).mul(0.3f).requiresGrad(true);
    Tensor b2 = Tensor.zeros(classes).requiresGrad(true);
    List<Tensor> params = List.of(w1, b1, w2, b2);
    List<Tensor> m = new ArrayList<>();
    List<Tensor> v = new ArrayList<>();
    for (Tensor p : params) {
      m.add(p.zerosLike());
      v.add(p.zerosLike());
    }
    Hash hash = new Hash();
    float lr = 0.01f;
    float beta1 = 0.9f;
    float beta2 = 0.999f;
    for (int step = 1; step <= steps; step++) {
      Tensor x = Tensor.randn(random, batch, in);
      int[] targets = new int[batch];
      for (int i = 0; i < batch; i++) {
        targets[i] = random.nextInt(classes);
      }
      Tensor h = x.matmul(w1).add(b1).tanh();
      Tensor logits = h.matmul(w2).add(b2).sigmoid().mul(4f);
      Tensor loss = Functional.crossEntropy(logits, targets);
      for (Tensor p : params) {
        p.zeroGrad();
      }
      loss.backward();
      hash.add(loss.toFloatArray());
      try (var scope = Autograd.noGrad()) {
        float c1 = (float) (1 - Math.pow(beta1, step));
        float c2 = (float) (1 - Math.pow(beta2, step));
        for (int i = 0; i < params.size(); i++) {
          Tensor g = params.get(i).grad();
          m.get(i).mulInPlace(beta1).addInPlace(g, 1 - beta1);
          v.get(i).mulInPlace(beta2).addcmulInPlace(g, g, 1 - beta2);
          Tensor denominator = v.get(i).div(c2).sqrt().add(1e-8f);
          params.get(i).addcdivInPlace(m.get(i), denominator, -lr / c1);
        }
      }
    }
    for (Tensor p : params) {
      hash.add(p.toFloatArray());
    }
    return hash.toString();
  }

  /** A product and its gradients, big enough for the kernels to split it across threads. */
  static String product() {
    Random random = new Random(9);
    Tensor a = Tensor.randn(random, 160, 96).requiresGrad(true);
    Tensor b = Tensor.randn(random, 96, 144).requiresGrad(true);
    Tensor c = a.matmul(b).tanh();
    c.sum().backward();
    Hash hash = new Hash();
    hash.add(c.toFloatArray());
    hash.add(a.grad().toFloatArray());
    hash.add(b.grad().toFloatArray());
    hash.add(new float[] {c.sum().item()});
    return hash.toString();
  }
}
