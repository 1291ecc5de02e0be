package dev.tapegrad.nn;

import dev.tapegrad.autograd.Autograd;
import dev.tapegrad.autograd.Tensor;
import java.util.List;
import java.util.Random;

/**
 * Small helpers for the recurrent training tests: a plain Adam update written here (nn does not
 * depend on optim) and the first-symbol recall task.
 */
final class RecurrentTrainingSupport {
  private RecurrentTrainingSupport() {}

  /** Adam (Kingma and Ba) with global-norm gradient clipping, over a fixed list of parameters. */
  static final class Adam {
    private final List<Tensor> parameters;
    private final float lr;
    private final float clipNorm;
    private final float[][] m;
    private final float[][] v;
    private int step;

    Adam(List<Tensor> parameters, float lr, float clipNorm) {
      this.parameters = parameters;
      this.lr = lr;
      this.clipNorm = clipNorm;
      m = new float[parameters.size()][];
      v = new float[parameters.size()][];
      for (int i = 0; i < parameters.size(); i++) {
        m[i] = new float[parameters.get(i).numel()];
        v[i] = new float[parameters.get(i).numel()];
      }
    }

    void step() {
      step++;
      double norm = 0;
      for (Tensor p : parameters) {
        if (p.grad() != null) {
          for (float g : p.grad().toFloatArray()) {
            norm += (double) g * g;
          }
        }
      }
      norm = Math.sqrt(norm);
      float scale = norm > clipNorm ? (float) (clipNorm / norm) : 1f;
      double c1 = 1 - Math.pow(0.9, step);
      double c2 = 1 - Math.pow(0.999, step);
      try (var scope = Autograd.noGrad()) {
        for (int i = 0; i < parameters.size(); i++) {
          Tensor p = parameters.get(i);
          if (p.grad() == null) {
            continue;
          }
          float[] g = p.grad().toFloatArray();
          float[] w = p.toFloatArray();
          for (int j = 0; j < w.length; j++) {
            float gj = g[j] * scale;
            m[i][j] = 0.9f * m[i][j] + 0.1f * gj;
            v[i][j] = 0.999f * v[i][j] + 0.001f * gj * gj;
            w[j] -= (float) (lr * (m[i][j] / c1) / (Math.sqrt(v[i][j] / c2) + 1e-8));
          }
          p.copyFrom(Tensor.of(w, p.shape()));
          p.zeroGrad();
        }
      }
    }
  }

  /**
   * The first-symbol recall task: step 0 shows one of {@code symbols} symbols, then {@code delay}
   * steps show random distractors, and a final query step asks for the first symbol. One-hot inputs
   * of size {@code symbols + distractors + 1}, time-major {@code [delay + 2, B, size]}.
   */
  static final class Recall {
    final int symbols;
    final int distractors;
    final int delay;

    Recall(int symbols, int distractors, int delay) {
      this.symbols = symbols;
      this.distractors = distractors;
      this.delay = delay;
    }

    int inputSize() {
      return symbols + distractors + 1;
    }

    int steps() {
      return delay + 2;
    }

    /** Fills {@code targets} and returns the inputs. */
    Tensor batch(Random random, int[] targets) {
      int batch = targets.length;
      int size = inputSize();
      float[] x = new float[steps() * batch * size];
      for (int b = 0; b < batch; b++) {
        targets[b] = random.nextInt(symbols);
        x[b * size + targets[b]] = 1;
        for (int t = 1; t <= delay; t++) {
          x[(t * batch + b) * size + symbols + random.nextInt(distractors)] = 1;
        }
        x[((delay + 1) * batch + b) * size + size - 1] = 1;
      }
      return Tensor.of(x, steps(), batch, size);
    }
  }
}
