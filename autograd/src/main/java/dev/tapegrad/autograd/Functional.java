package dev.tapegrad.autograd;

import static com.google.common.base.Preconditions.checkArgument;

import dev.tapegrad.autograd.kernel.BinaryOp;
import dev.tapegrad.autograd.kernel.KernelProvider;
import dev.tapegrad.autograd.kernel.Kernels;
import dev.tapegrad.autograd.kernel.UnaryOp;
import java.util.Arrays;
import java.util.random.RandomGenerator;

/**
 * Neural-network functions on tensors, as in {@code torch.nn.functional}: softmax, losses and
 * dropout. All are differentiable; softmax and logSoftmax have fused forwards with backwards
 * written in tensor ops; crossEntropy is fused both ways; the other losses are compositions.
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
        "softmax", y, (g, needs) -> new Tensor[] {y.mul(g.sub(g.mul(y).sum(d, true)))}, x);
  }

  /** Log-softmax over {@code dim}: {@code x - logSumExp(x)}, computed stably. */
  public static Tensor logSoftmax(Tensor x, int dim) {
    int[] shape = x.shapeRef();
    int d = Shapes.wrapDim("logSoftmax", dim, shape);
    Tensor y = new Tensor(softmaxForward(x, d, true), shape);
    // d logSoftmax: g - exp(y) * sum(g)
    if (Trace.active()) Trace.next("dim", d);
    return Node.record(
        "logSoftmax", y, (g, needs) -> new Tensor[] {g.sub(y.exp().mul(g.sum(d, true)))}, x);
  }

  private static float[] softmaxForward(Tensor x, int d, boolean log) {
    int[] shape = x.shapeRef();
    if (shape.length == 0) {
      return new float[] {log ? 0f : 1f};
    }
    float[] out = new float[x.numel()];
    KernelProvider.get()
        .softmax(x.data, Shapes.outer(shape, d), shape[d], Shapes.inner(shape, d), out, log);
    return out;
  }

  /**
   * The affine map of a linear layer, {@code input · weightᵀ + bias}, for {@code input [N, in]},
   * {@code weight [out, in]} and {@code bias [out]} (or null).
   *
   * <p>Performance note: the product reads the weight transposed in place, so neither the forward
   * nor the backward copies it, unlike {@code input.matmul(weight.t())}; the bias is added into the
   * product's buffer, one node and one output array for the whole layer.
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
    if (bias == null) {
      return LinearAlgebra.mm(input, weight, false, true);
    }
    // one node and one buffer: the bias is added into the product's own output, with the same
    // float additions as y.add(bias); the backward is the product's, plus the bias's column sums
    int rows = in[0];
    int outs = w[0];
    float[] out = new float[rows * outs];
    Kernels k = KernelProvider.get();
    k.gemm(rows, outs, in[1], input.data, 0, false, weight.data, 0, true, out, 0);
    for (int r = 0; r < rows; r++) {
      k.binary(BinaryOp.ADD, out, r * outs, 1, bias.data, 0, 1, out, r * outs, outs);
    }
    Profiler.countMultiplyAdds("linear", (long) rows * outs * in[1]);
    return Node.record(
        "linear",
        new Tensor(out, new int[] {rows, outs}),
        (g, needs) ->
            new Tensor[] {
              needs[0] ? LinearAlgebra.mm(g, weight, false, false) : null,
              needs[1] ? LinearAlgebra.mm(g, input, true, false) : null,
              needs[2] ? g.sum(0, false) : null
            },
        input,
        weight,
        bias);
  }

  /** Mean cross-entropy of logits {@code [N, C]} (or {@code [C]}) against class indices. */
  public static Tensor crossEntropy(Tensor logits, int[] targets) {
    return crossEntropy(logits, targets, Reduction.MEAN, -100, 0f);
  }

  /**
   * Cross-entropy of logits {@code [N, C]} (or {@code [C]} with one target) against class indices,
   * as PyTorch's {@code cross_entropy}.
   *
   * <p>Performance note: one tape node, with a fused forward (one log-softmax pass per row, whose
   * loss values are the same bits as {@code nllLoss(logSoftmax(x))} with the smoothing term) and a
   * fused backward, {@code w_i (softmax(x)_ij - q_ij)} with {@code q} the target distribution and
   * {@code w_i} the row's weight under the reduction. When the backward is itself recorded ({@code
   * createGraph}), it is written with differentiable ops instead, so second derivatives work.
   *
   * @param ignoreIndex targets equal to this contribute nothing and are not counted in the mean
   * @param labelSmoothing in {@code [0, 1]}: the target distribution is {@code (1 - s)} on the
   *     class plus {@code s / C} on every class
   */
  public static Tensor crossEntropy(
      Tensor logits, int[] targets, Reduction reduction, int ignoreIndex, float labelSmoothing) {
    if (!(labelSmoothing >= 0 && labelSmoothing <= 1)) {
      throw new IllegalArgumentException(
          "crossEntropy: labelSmoothing must be in [0, 1], got " + labelSmoothing);
    }
    Tensor two = logits.dim() == 1 ? logits.unsqueeze(0) : logits;
    int[] shape = two.shapeRef();
    if (shape.length != 2) {
      throw new IllegalArgumentException(
          "crossEntropy: logits must be [N, C] or [C], got " + Shapes.format(logits.shapeRef()));
    }
    checkTargets("crossEntropy", shape, targets, ignoreIndex);
    int rows = shape[0];
    int classes = shape[1];
    if (labelSmoothing > 0 && classes == 0) {
      throw new IllegalArgumentException("crossEntropy: no classes");
    }
    Kernels k = KernelProvider.get();
    float[] logProbs = new float[rows * classes];
    k.softmax(two.data, rows, classes, 1, logProbs, true);
    // the composed path's float operations, in its order: masked(-logp[t]) * (1 - s)
    // + masked(-(sum(logp) * (1 / C))) * s
    float[] losses = new float[rows];
    int count = 0;
    for (int i = 0; i < rows; i++) {
      int t = targets[i];
      if (t == ignoreIndex) {
        continue;
      }
      count++;
      float nll = -logProbs[i * classes + t];
      if (labelSmoothing > 0) {
        float smooth = -((float) k.sum(logProbs, i * classes, classes) * (1f / classes));
        nll = nll * (1 - labelSmoothing) + smooth * labelSmoothing;
      }
      losses[i] = nll;
    }
    Tensor loss;
    switch (reduction) {
      case NONE -> loss = new Tensor(losses, new int[] {rows});
      case SUM -> loss = Tensor.scalar((float) k.sum(losses, 0, rows));
      case MEAN -> {
        // all targets ignored: NaN, with a zero gradient, as in PyTorch
        loss = Tensor.scalar(count == 0 ? Float.NaN : (float) k.sum(losses, 0, rows) / count);
      }
      default -> throw new AssertionError(reduction);
    }
    int kept = count;
    Tensor result =
        Node.record(
            "crossEntropy",
            loss,
            (g, needs) ->
                new Tensor[] {
                  Autograd.isGradEnabled()
                      ? crossEntropyGradComposed(
                          two, g, targets, reduction, ignoreIndex, labelSmoothing, kept)
                      : crossEntropyGrad(
                          logProbs,
                          rows,
                          classes,
                          g,
                          targets,
                          reduction,
                          ignoreIndex,
                          labelSmoothing,
                          kept)
                },
            two);
    return logits.dim() == 1 && reduction == Reduction.NONE ? result.squeeze(0) : result;
  }

  /** The weight of row {@code i}'s loss in the reduced loss, times the incoming gradient. */
  private static float rowWeight(Tensor g, int i, Reduction reduction, int count) {
    return switch (reduction) {
      case NONE -> g.data[i];
      case SUM -> g.data[0];
      default -> g.data[0] / count;
    };
  }

  /** {@code w_i (exp(logp_ij) - q_ij)} for kept rows, 0 for ignored ones, in one pass per row. */
  private static Tensor crossEntropyGrad(
      float[] logProbs,
      int rows,
      int classes,
      Tensor g,
      int[] targets,
      Reduction reduction,
      int ignoreIndex,
      float smoothing,
      int count) {
    Kernels k = KernelProvider.get();
    float[] out = new float[rows * classes];
    float spread = smoothing / classes;
    for (int i = 0; i < rows; i++) {
      int t = targets[i];
      if (t == ignoreIndex) {
        continue;
      }
      int row = i * classes;
      k.unary(UnaryOp.EXP, logProbs, row, out, row, classes);
      if (smoothing > 0) {
        k.scalarOp(BinaryOp.SUB, out, row, spread, false, out, row, classes);
      }
      out[row + t] -= 1 - smoothing;
      k.scalarOp(
          BinaryOp.MUL, out, row, rowWeight(g, i, reduction, count), false, out, row, classes);
    }
    return new Tensor(out, new int[] {rows, classes});
  }

  /** The same gradient in differentiable ops, for {@code createGraph}. */
  private static Tensor crossEntropyGradComposed(
      Tensor logits,
      Tensor g,
      int[] targets,
      Reduction reduction,
      int ignoreIndex,
      float smoothing,
      int count) {
    int rows = logits.size(0);
    int classes = logits.size(1);
    Tensor keep = keepMask(targets, ignoreIndex);
    Tensor weight;
    weight =
        switch (reduction) {
          case NONE -> g;
          case SUM -> g.expand(rows);
          default -> (count == 0 ? g.mul(0f) : g.div((float) count)).expand(rows);
        };
    weight = Binary.masked(weight, keep);
    float[] q = new float[rows * classes];
    Arrays.fill(q, smoothing / classes);
    for (int i = 0; i < rows; i++) {
      if (targets[i] != ignoreIndex) {
        q[i * classes + targets[i]] += 1 - smoothing;
      }
    }
    Tensor grad =
        softmax(logits, 1).sub(new Tensor(q, new int[] {rows, classes})).mul(weight.unsqueeze(1));
    return Binary.masked(grad, keep.unsqueeze(1));
  }

  /** Checks that there is one target per row, each a class or {@code ignoreIndex}. */
  private static void checkTargets(String op, int[] shape, int[] targets, int ignoreIndex) {
    if (shape.length != 2 || shape[0] != targets.length) {
      throw new IllegalArgumentException(
          String.format(
              "%s: input %s does not match %s targets (expected [N, C] with N = %s)",
              op, Shapes.format(shape), targets.length, targets.length));
    }
    int classes = shape[1];
    for (int i = 0; i < targets.length; i++) {
      int t = targets[i];
      if (t != ignoreIndex && (t < 0 || t >= classes)) {
        throw new IndexOutOfBoundsException(
            String.format(
                "%s: target %d at position %d out of range for %d classes (input %s)",
                op, t, i, classes, Shapes.format(shape)));
      }
    }
  }

  /**
   * Negative log-likelihood of log-probabilities {@code [N, C]} against class indices, as PyTorch's
   * {@code nll_loss}; targets equal to {@code ignoreIndex} contribute nothing.
   */
  public static Tensor nllLoss(
      Tensor logProbs, int[] targets, Reduction reduction, int ignoreIndex) {
    return nllLoss("nllLoss", logProbs, targets, reduction, ignoreIndex);
  }

  /** nllLoss whose errors name {@code op}, the function the user called. */
  private static Tensor nllLoss(
      String op, Tensor logProbs, int[] targets, Reduction reduction, int ignoreIndex) {
    int[] shape = logProbs.shapeRef();
    checkTargets(op, shape, targets, ignoreIndex);
    float[] index = new float[targets.length];
    for (int i = 0; i < targets.length; i++) {
      if (targets[i] != ignoreIndex) {
        index[i] = targets[i];
      }
    }
    Tensor picked =
        logProbs.gather(1, new Tensor(index, new int[] {targets.length, 1})).reshape(-1);
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
      case NONE -> {
        return losses;
      }
      case SUM -> {
        return losses.sum();
      }
      case MEAN -> {
        if (count == 0) {
          // all targets ignored: the loss is NaN but the gradient zero, as in PyTorch, so that a
          // batch of padding does not turn every parameter into NaN
          return losses.sum().mul(0f).add(Float.NaN);
        }
        return losses.sum().div((float) count);
      }
      default -> throw new AssertionError(reduction);
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
   * Binary cross-entropy of logits against targets in [0, 1], computed stably as {@code softplus(x)
   * - x t}.
   */
  public static Tensor binaryCrossEntropyWithLogits(
      Tensor logits, Tensor targets, Reduction reduction) {
    checkSameShape("binaryCrossEntropyWithLogits", logits, targets);
    Tensor losses = logits.softplus().sub(logits.mul(targets));
    return reduction == Reduction.NONE
        ? losses
        : reduction == Reduction.SUM ? losses.sum() : losses.mean();
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
