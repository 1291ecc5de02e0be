package dev.tapegrad.autograd;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.Arrays;
import java.util.random.RandomGenerator;

/**
 * Neural-network functions on tensors, as in {@code torch.nn.functional}: softmax, losses and
 * dropout. All are differentiable; softmax and logSoftmax have fused forwards with backwards
 * written in tensor ops, the losses are compositions.
 */
public final class Functional {
  private Functional() {}

  /** Softmax over {@code dim}: {@code exp(x - max) / sum(exp(x - max))}. */
  public static Tensor softmax(Tensor x, int dim) {
    int[] shape = x.shapeRef();
    int d = Shapes.wrapDim("softmax", dim, shape);
    Tensor y = new Tensor(softmaxForward(x, d, false), shape);
    // d softmax: y * (g - sum(g * y))
    if (Trace.active()) Trace.next("dim", d);
    return Node.record(
        "softmax",
        y,
        (g, needs) -> new Tensor[] {y.mul(g.sub(g.mul(y).sum(d, true)))},
        x);
  }

  /** Log-softmax over {@code dim}: {@code x - logSumExp(x)}, computed stably. */
  public static Tensor logSoftmax(Tensor x, int dim) {
    int[] shape = x.shapeRef();
    int d = Shapes.wrapDim("logSoftmax", dim, shape);
    Tensor y = new Tensor(softmaxForward(x, d, true), shape);
    // d logSoftmax: g - exp(y) * sum(g)
    if (Trace.active()) Trace.next("dim", d);
    return Node.record(
        "logSoftmax",
        y,
        (g, needs) -> new Tensor[] {g.sub(y.exp().mul(g.sum(d, true)))},
        x);
  }

  private static float[] softmaxForward(Tensor x, int d, boolean log) {
    int[] shape = x.shapeRef();
    if (shape.length == 0) {
      return new float[] {log ? 0f : 1f};
    }
    int size = shape[d];
    int outer = Shapes.outer(shape, d);
    int inner = Shapes.inner(shape, d);
    float[] in = x.data;
    float[] out = new float[x.numel()];
    for (int o = 0; o < outer; o++) {
      for (int i = 0; i < inner; i++) {
        int base = o * size * inner + i;
        float max = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < size; j++) {
          max = Math.max(max, in[base + j * inner]);
        }
        if (!Float.isFinite(max)) {
          max = 0f;
        }
        double sum = 0;
        for (int j = 0; j < size; j++) {
          float e = (float) Math.exp(in[base + j * inner] - max);
          sum += e;
          if (!log) {
            out[base + j * inner] = e;
          }
        }
        if (log) {
          // (x - max) - log(sum), not x - (max + log(sum)): the latter rounds log(sum) at the
          // magnitude of max and loses it for large logits
          double logSum = Math.log(sum);
          for (int j = 0; j < size; j++) {
            out[base + j * inner] = (float) ((in[base + j * inner] - max) - logSum);
          }
        } else {
          float inv = (float) (1 / sum);
          for (int j = 0; j < size; j++) {
            out[base + j * inner] *= inv;
          }
        }
      }
    }
    return out;
  }

  /**
   * The affine map of a linear layer, {@code input · weightᵀ + bias}, for {@code input [N, in]},
   * {@code weight [out, in]} and {@code bias [out]} (or null).
   *
   * <p>Performance note: the product reads the weight transposed in place, so neither the forward
   * nor the backward copies it, unlike {@code input.matmul(weight.t())}.
   */
  public static Tensor linear(Tensor input, Tensor weight, Tensor bias) {
    int[] in = input.shapeRef();
    int[] w = weight.shapeRef();
    if (in.length != 2 || w.length != 2 || in[1] != w[1]) {
      throw new IllegalArgumentException(
          String.format(
              "linear: input %s and weight %s do not fit (expected [N, in] and [out, in])",
              Shapes.format(in), Shapes.format(w)));
    }
    if (bias != null && !(bias.dim() == 1 && bias.size(0) == w[0])) {
      throw new IllegalArgumentException(
          String.format(
              "linear: bias %s does not fit weight %s (expected [%d])",
              Shapes.format(bias.shapeRef()), Shapes.format(w), w[0]));
    }
    Tensor y = LinearAlgebra.mm(input, weight, false, true);
    return bias == null ? y : y.add(bias);
  }

  /** Mean cross-entropy of logits {@code [N, C]} (or {@code [C]}) against class indices. */
  public static Tensor crossEntropy(Tensor logits, int[] targets) {
    return crossEntropy(logits, targets, Reduction.MEAN, -100, 0f);
  }

  /**
   * Cross-entropy of logits {@code [N, C]} (or {@code [C]} with one target) against class indices,
   * as PyTorch's {@code cross_entropy}.
   *
   * @param ignoreIndex targets equal to this contribute nothing and are not counted in the mean
   * @param labelSmoothing in {@code [0, 1]}: the target distribution is {@code (1 - s)} on the
   *     class plus {@code s / C} on every class
   */
  public static Tensor crossEntropy(
      Tensor logits, int[] targets, Reduction reduction, int ignoreIndex, float labelSmoothing) {
    checkArgument(
        labelSmoothing >= 0 && labelSmoothing <= 1,
        "crossEntropy: labelSmoothing must be in [0, 1], got %s",
        labelSmoothing);
    Tensor two = logits.dim() == 1 ? logits.unsqueeze(0) : logits;
    checkArgument(
        two.dim() == 2,
        "crossEntropy: logits must be [N, C] or [C], got %s",
        Shapes.format(logits.shapeRef()));
    Tensor logProbs = logSoftmax(two, 1);
    Tensor nll = nllLoss("crossEntropy", logProbs, targets, Reduction.NONE, ignoreIndex);
    if (labelSmoothing > 0) {
      int classes = two.size(1);
      Tensor keep = keepMask(targets, ignoreIndex);
      Tensor smooth = Binary.masked(logProbs.mean(1, false).neg(), keep);
      nll = nll.mul(1 - labelSmoothing).add(smooth.mul(labelSmoothing));
      if (classes == 0) {
        throw new IllegalArgumentException("crossEntropy: no classes");
      }
    }
    Tensor result = reduce(nll, reduction, countKept(targets, ignoreIndex));
    return logits.dim() == 1 && reduction == Reduction.NONE ? result.squeeze(0) : result;
  }

  /**
   * Negative log-likelihood of log-probabilities {@code [N, C]} against class indices, as
   * PyTorch's {@code nll_loss}; targets equal to {@code ignoreIndex} contribute nothing.
   */
  public static Tensor nllLoss(Tensor logProbs, int[] targets, Reduction reduction, int ignoreIndex) {
    return nllLoss("nllLoss", logProbs, targets, reduction, ignoreIndex);
  }

  /** nllLoss whose errors name {@code op}, the function the user called. */
  private static Tensor nllLoss(
      String op, Tensor logProbs, int[] targets, Reduction reduction, int ignoreIndex) {
    int[] shape = logProbs.shapeRef();
    checkArgument(
        shape.length == 2 && shape[0] == targets.length,
        "%s: input %s does not match %s targets (expected [N, C] with N = %s)",
        op,
        Shapes.format(shape),
        targets.length,
        targets.length);
    int classes = shape[1];
    float[] index = new float[targets.length];
    for (int i = 0; i < targets.length; i++) {
      int t = targets[i];
      if (t == ignoreIndex) {
        continue;
      }
      if (t < 0 || t >= classes) {
        throw new IndexOutOfBoundsException(
            String.format(
                "%s: target %d at position %d out of range for %d classes (input %s)",
                op, t, i, classes, Shapes.format(shape)));
      }
      index[i] = t;
    }
    Tensor picked = logProbs.gather(1, new Tensor(index, new int[] {targets.length, 1})).reshape(-1);
    // masked, not multiplied: with every target ignored the mean is 0 / 0 = NaN, and its infinite
    // gradient must still give the ignored rows exactly 0, as in PyTorch
    Tensor losses = Binary.masked(picked.neg(), keepMask(targets, ignoreIndex));
    return reduce(losses, reduction, countKept(targets, ignoreIndex));
  }

  /** Nll loss with mean reduction and no ignored index. */
  public static Tensor nllLoss(Tensor logProbs, int[] targets) {
    return nllLoss(logProbs, targets, Reduction.MEAN, -100);
  }

  private static Tensor keepMask(int[] targets, int ignoreIndex) {
    float[] keep = new float[targets.length];
    for (int i = 0; i < keep.length; i++) {
      keep[i] = targets[i] == ignoreIndex ? 0f : 1f;
    }
    return new Tensor(keep, new int[] {targets.length});
  }

  private static int countKept(int[] targets, int ignoreIndex) {
    return (int) Arrays.stream(targets).filter(t -> t != ignoreIndex).count();
  }

  private static Tensor reduce(Tensor losses, Reduction reduction, int count) {
    switch (reduction) {
      case NONE:
        return losses;
      case SUM:
        return losses.sum();
      case MEAN:
        if (count == 0) {
          // all targets ignored: the loss is NaN but the gradient zero, as in PyTorch, so that a
          // batch of padding does not turn every parameter into NaN
          return losses.sum().mul(0f).add(Float.NaN);
        }
        return losses.sum().div((float) count);
      default:
        throw new AssertionError(reduction);
    }
  }

  /** Mean squared error between equally shaped tensors. */
  public static Tensor mseLoss(Tensor input, Tensor target) {
    return mseLoss(input, target, Reduction.MEAN);
  }

  /** Squared error between equally shaped tensors, reduced as asked. */
  public static Tensor mseLoss(Tensor input, Tensor target, Reduction reduction) {
    checkSameShape("mseLoss", input, target);
    Tensor sq = input.sub(target).square();
    return reduction == Reduction.NONE ? sq : reduction == Reduction.SUM ? sq.sum() : sq.mean();
  }

  /** Mean binary cross-entropy of logits against targets in [0, 1]. */
  public static Tensor binaryCrossEntropyWithLogits(Tensor logits, Tensor targets) {
    return binaryCrossEntropyWithLogits(logits, targets, Reduction.MEAN);
  }

  /**
   * Binary cross-entropy of logits against targets in [0, 1], computed stably as {@code
   * softplus(x) - x t}.
   */
  public static Tensor binaryCrossEntropyWithLogits(Tensor logits, Tensor targets, Reduction reduction) {
    checkSameShape("binaryCrossEntropyWithLogits", logits, targets);
    Tensor losses = logits.softplus().sub(logits.mul(targets));
    return reduction == Reduction.NONE ? losses : reduction == Reduction.SUM ? losses.sum() : losses.mean();
  }

  /**
   * Inverted dropout: in training, zeroes each element with probability {@code p} and scales the
   * rest by {@code 1 / (1 - p)}; outside training, returns {@code x}. The mask comes from {@code
   * random}, so a seeded generator reproduces it.
   */
  public static Tensor dropout(Tensor x, float p, boolean training, RandomGenerator random) {
    checkArgument(p >= 0 && p <= 1, "dropout: probability must be in [0, 1], got %s", p);
    if (!training || p == 0) {
      return x;
    }
    float[] mask = new float[x.numel()];
    if (p < 1) {
      float scale = 1f / (1f - p);
      for (int i = 0; i < mask.length; i++) {
        mask[i] = random.nextFloat() < p ? 0f : scale;
      }
    }
    return x.mul(new Tensor(mask, x.shapeRef()));
  }

  private static void checkSameShape(String op, Tensor a, Tensor b) {
    checkArgument(
        Arrays.equals(a.shapeRef(), b.shapeRef()),
        "%s: input shape %s and target shape %s differ",
        op,
        Shapes.format(a.shapeRef()),
        Shapes.format(b.shapeRef()));
  }
}
