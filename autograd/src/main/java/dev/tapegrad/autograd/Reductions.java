package dev.tapegrad.autograd;

import dev.tapegrad.autograd.kernel.KernelProvider;
import dev.tapegrad.autograd.kernel.UnaryOp;

/**
 * Reductions over all elements or over one dimension. Sums use the kernels; mean, logSumExp and var
 * are compositions, so their higher derivatives come from the ops they are made of.
 */
final class Reductions {
  private Reductions() {}

  static Tensor sum(Tensor x) {
    float s = (float) KernelProvider.get().sum(x.data, 0, x.numel());
    int[] shape = x.shapeRef();
    // d sum = 1 everywhere
    return Node.record("sum", Tensor.scalar(s), (g, needs) -> new Tensor[] {g.expand(shape)}, x);
  }

  static Tensor sum(Tensor x, int dim, boolean keepDim) {
    int[] shape = x.shapeRef();
    if (shape.length == 0) {
      Shapes.wrapDim("sum", dim, shape);
      return x.copy();
    }
    int d = Shapes.wrapDim("sum", dim, shape);
    int outer = Shapes.outer(shape, d);
    int inner = Shapes.inner(shape, d);
    float[] out = new float[outer * inner];
    KernelProvider.get().sumAxis(x.data, outer, shape[d], inner, out);
    int[] kept = Shapes.with(shape, d, 1);
    Tensor result = new Tensor(out, keepDim ? kept : Shapes.remove(shape, d));
    if (Trace.active()) Trace.next("dim", d, "keepDim", keepDim);
    return Node.record(
        "sum",
        result,
        (g, needs) -> new Tensor[] {(keepDim ? g : g.reshape(kept)).expand(shape)},
        x);
  }

  static Tensor mean(Tensor x) {
    // an empty tensor has mean 0 / 0 = NaN, as in PyTorch
    return sum(x).mul(1f / x.numel());
  }

  static Tensor mean(Tensor x, int dim, boolean keepDim) {
    int n = x.dim() == 0 ? 1 : x.shapeRef()[Shapes.wrapDim("mean", dim, x.shapeRef())];
    return sum(x, dim, keepDim).mul(1f / n);
  }

  /** Max or min of all elements; ties share the gradient evenly. */
  static Tensor extreme(Tensor x, boolean max) {
    String name = max ? "max" : "min";
    if (x.numel() == 0) {
      throw new IllegalArgumentException(
          name + ": empty tensor of shape " + Shapes.format(x.shapeRef()));
    }
    float best = x.data[0];
    for (int i = 1; i < x.numel(); i++) {
      float v = x.data[i];
      if (v != v) {
        best = v;
        break;
      }
      best = max ? Math.max(best, v) : Math.min(best, v);
    }
    float[] mask = new float[x.numel()];
    int count = 0;
    for (int i = 0; i < mask.length; i++) {
      if (Float.compare(x.data[i], best) == 0) {
        mask[i] = 1f;
        count++;
      }
    }
    for (int i = 0; i < mask.length; i++) {
      mask[i] /= Math.max(count, 1);
    }
    Tensor share = new Tensor(mask, x.shapeRef());
    return Node.record(
        name,
        Tensor.scalar(best),
        (g, needs) -> new Tensor[] {Binary.masked(share.mul(g), share)},
        x);
  }

  /** Max or min over a dimension; the gradient goes to the first extreme element. */
  static Tensor extreme(Tensor x, int dim, boolean keepDim, boolean max) {
    String name = max ? "max" : "min";
    int[] shape = x.shapeRef();
    int d = Shapes.wrapDim(name, dim, shape);
    if (shape.length == 0) {
      return x.copy();
    }
    if (shape[d] == 0) {
      throw new IllegalArgumentException(
          String.format("%s: dimension %d of shape %s is empty", name, dim, Shapes.format(shape)));
    }
    int outer = Shapes.outer(shape, d);
    int inner = Shapes.inner(shape, d);
    int size = shape[d];
    float[] out = new float[outer * inner];
    int[] arg = new int[outer * inner];
    float[] source = max ? x.data : Pointwise.constant(UnaryOp.NEG, x).data;
    KernelProvider.get().maxAxis(source, outer, size, inner, out, arg);
    if (!max) {
      for (int i = 0; i < out.length; i++) {
        out[i] = -out[i];
      }
    }
    float[] mask = new float[x.numel()];
    for (int o = 0; o < outer; o++) {
      for (int i = 0; i < inner; i++) {
        mask[(o * size + arg[o * inner + i]) * inner + i] = 1f;
      }
    }
    Tensor pick = new Tensor(mask, shape);
    int[] kept = Shapes.with(shape, d, 1);
    Tensor result = new Tensor(out, keepDim ? kept : Shapes.remove(shape, d));
    if (Trace.active()) Trace.next("dim", d, "keepDim", keepDim);
    return Node.record(
        name,
        result,
        (g, needs) -> new Tensor[] {Binary.masked(keepDim ? g : g.reshape(kept), pick)},
        x);
  }

  static Tensor argExtreme(Tensor x, int dim, boolean keepDim, boolean max) {
    String name = max ? "argmax" : "argmin";
    int[] shape = x.shapeRef();
    if (shape.length == 0) {
      Shapes.wrapDim(name, dim, shape);
      return Tensor.scalar(0f);
    }
    int d = Shapes.wrapDim(name, dim, shape);
    int outer = Shapes.outer(shape, d);
    int inner = Shapes.inner(shape, d);
    float[] out = new float[outer * inner];
    int[] arg = new int[outer * inner];
    float[] source = max ? x.data : Pointwise.constant(UnaryOp.NEG, x).data;
    KernelProvider.get().maxAxis(source, outer, shape[d], inner, out, arg);
    float[] idx = new float[arg.length];
    for (int i = 0; i < arg.length; i++) {
      idx[i] = arg[i];
    }
    return Trace.constant(
        name,
        new Tensor(idx, keepDim ? Shapes.with(shape, d, 1) : Shapes.remove(shape, d)),
        x,
        "dim",
        d,
        "keepDim",
        keepDim);
  }

  static Tensor logSumExp(Tensor x, int dim, boolean keepDim) {
    int[] shape = x.shapeRef();
    int d = Shapes.wrapDim("logSumExp", dim, shape);
    // Shift by the (constant) maximum for stability; the shift cancels in the derivative.
    Tensor shift;
    try (var scope = Autograd.noGrad()) {
      shift = x.detach().max(d, true);
    }
    float[] s = shift.data;
    for (int i = 0; i < s.length; i++) {
      if (!Float.isFinite(s[i])) {
        s[i] = 0f;
      }
    }
    Tensor result = x.sub(shift).exp().sum(d, true).log().add(shift);
    return keepDim ? result : result.squeeze(d);
  }

  static Tensor var(Tensor x, int dim, boolean unbiased, boolean keepDim) {
    int[] shape = x.shapeRef();
    int d = Shapes.wrapDim("var", dim, shape);
    int n = shape.length == 0 ? 1 : shape[d];
    Tensor centered = x.sub(x.mean(d, true));
    int divisor = unbiased ? n - 1 : n;
    // n - 1 = 0 gives NaN (PyTorch gives NaN too, with a warning)
    return centered.square().sum(d, keepDim).div((float) divisor);
  }
}
