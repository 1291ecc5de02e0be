package dev.tapegrad.autograd;

import dev.tapegrad.autograd.kernel.BinaryOp;
import dev.tapegrad.autograd.kernel.KernelProvider;
import dev.tapegrad.autograd.kernel.KernelThreads;
import dev.tapegrad.autograd.kernel.Kernels;
import java.util.Arrays;

/**
 * The binary elementwise family with NumPy broadcasting. Backward formulas return gradients in the
 * broadcast output shape; the engine sums them back to each input's shape.
 */
final class Binary {
  private static final float[] ZERO = {0f};
  private static final float[] ONE = {1f};

  private Binary() {}

  static Tensor add(Tensor a, Tensor b) {
    Tensor out = forward("add", BinaryOp.ADD, a, b);
    return Node.record("add", out, (g, needs) -> new Tensor[] {g, g}, a, b);
  }

  static Tensor sub(Tensor a, Tensor b) {
    Tensor out = forward("sub", BinaryOp.SUB, a, b);
    return Node.record("sub", out, (g, needs) -> new Tensor[] {g, needs[1] ? g.neg() : null}, a, b);
  }

  static Tensor mul(Tensor a, Tensor b) {
    Tensor out = forward("mul", BinaryOp.MUL, a, b);
    Profiler.countMultiplyAdds("mul", out.numel());
    // d(ab) = b da + a db
    return Node.record(
        "mul",
        out,
        (g, needs) -> new Tensor[] {needs[0] ? g.mul(b) : null, needs[1] ? g.mul(a) : null},
        a,
        b);
  }

  static Tensor div(Tensor a, Tensor b) {
    Tensor out = forward("div", BinaryOp.DIV, a, b);
    // d(a / b) = da / b - a db / b^2
    return Node.record(
        "div",
        out,
        (g, needs) ->
            new Tensor[] {
              needs[0] ? g.div(b) : null, needs[1] ? g.mul(a).div(b.square()).neg() : null
            },
        a,
        b);
  }

  static Tensor pow(Tensor a, Tensor b) {
    Tensor out = forward("pow", BinaryOp.POW, a, b);
    // d a^b = b a^(b - 1) da + a^b log(a) db. At a zero base PyTorch makes the first term 0 where
    // b = 0 and the second 0 where b >= 0; the formulas give 0 * inf = NaN there, so the base is
    // replaced by 1 at those points (exact, finite and still differentiable).
    return Node.record(
        "pow",
        out,
        (g, needs) ->
            new Tensor[] {
              needs[0] ? g.mul(b).mul(oneWhereZero(a, b, BinaryOp.EQ).pow(b.sub(1f))) : null,
              needs[1] ? g.mul(out).mul(oneWhereZero(a, b, BinaryOp.GE).log()) : null
            },
        a,
        b);
  }

  /**
   * {@code a} with 1 wherever {@code a == 0} and {@code op(b, 0)} holds (in the broadcast shape).
   */
  private static Tensor oneWhereZero(Tensor a, Tensor b, BinaryOp op) {
    Tensor zero = Tensor.scalar(0f);
    Tensor zeroBase = forward("pow", BinaryOp.EQ, a, zero);
    boolean any = false;
    for (float v : zeroBase.data) {
      any |= v != 0;
    }
    if (!any) {
      return a;
    }
    Tensor mask = forward("pow", BinaryOp.MUL, zeroBase, forward("pow", op, b, zero));
    return Tensor.where(mask, Tensor.scalar(1f), a);
  }

  static Tensor maximum(Tensor a, Tensor b) {
    return extreme("maximum", BinaryOp.MAX, a, b);
  }

  static Tensor minimum(Tensor a, Tensor b) {
    return extreme("minimum", BinaryOp.MIN, a, b);
  }

  private static Tensor extreme(String name, BinaryOp op, Tensor a, Tensor b) {
    Tensor out = forward(name, op, a, b);
    // The winner takes the gradient; ties split it evenly, as in PyTorch. The loser gets exactly 0.
    Tensor wins =
        forward(name, BinaryOp.GT, op == BinaryOp.MAX ? a : b, op == BinaryOp.MAX ? b : a);
    Tensor ties = forward(name, BinaryOp.EQ, a, b);
    float[] share = wins.data;
    for (int i = 0; i < share.length; i++) {
      share[i] += 0.5f * ties.data[i];
    }
    Tensor toA = wins;
    return Node.record(
        name,
        out,
        (g, needs) -> {
          Tensor toB = needs[1] ? toA.rsub(1f) : null;
          return new Tensor[] {
            needs[0] ? masked(g.mul(toA), toA) : null, needs[1] ? masked(g.mul(toB), toB) : null
          };
        },
        a,
        b);
  }

  /**
   * A non-differentiable comparison named {@code name}; {@code swap} computes it as {@code op(b,
   * a)} (lt is gt swapped), after checking the shapes in the caller's order.
   */
  static Tensor compare(String name, BinaryOp op, Tensor a, Tensor b, boolean swap) {
    if (!swap) {
      return Trace.constant(name, forward(name, op, a, b), a, b);
    }
    Shapes.broadcast(name, a.shapeRef(), b.shapeRef());
    return Trace.constant(name, forward(name, op, b, a), a, b);
  }

  static Tensor where(Tensor mask, Tensor a, Tensor b) {
    int[] shape =
        Shapes.broadcast(
            "where", Shapes.broadcast("where", mask.shapeRef(), a.shapeRef()), b.shapeRef());
    float[] m = ShapeOps.broadcastData(mask, shape);
    float[] av = ShapeOps.broadcastData(a, shape);
    float[] bv = ShapeOps.broadcastData(b, shape);
    float[] out = new float[m.length];
    float[] pick = new float[m.length];
    Kernels k = KernelProvider.get();
    k.where(m, 0, av, 0, 1, bv, 0, 1, out, 0, out.length);
    k.where(m, 0, ONE, 0, 0, ZERO, 0, 0, pick, 0, pick.length);
    Tensor pickA = new Tensor(pick, shape);
    return Node.record(
        "where",
        new Tensor(out, shape),
        (g, needs) ->
            new Tensor[] {
              null, needs[1] ? masked(g, pickA) : null, needs[2] ? masked(g, pickA.rsub(1f)) : null
            },
        mask,
        a,
        b);
  }

  /**
   * {@code g} where {@code mask} is non-zero and exactly 0 elsewhere, broadcasting. Backward
   * formulas use it rather than {@code g * mask}, as PyTorch does, so that an infinite or NaN
   * gradient (from {@code sqrt(0)} or {@code log(0)} downstream) does not turn into NaN where the
   * op passes no gradient at all: {@code relu(x).sqrt()} has gradient 0, not NaN, at {@code x < 0}.
   */
  static Tensor masked(Tensor g, Tensor mask) {
    int[] shape = Shapes.broadcast("masked", g.shapeRef(), mask.shapeRef());
    float[] gv = ShapeOps.broadcastData(g, shape);
    float[] m = ShapeOps.broadcastData(mask, shape);
    float[] out = new float[m.length];
    KernelProvider.get().where(m, 0, gv, 0, 1, ZERO, 0, 0, out, 0, out.length);
    return Node.record(
        "masked", new Tensor(out, shape), (gg, needs) -> new Tensor[] {masked(gg, mask)}, g);
  }

  static float[] addArrays(float[] x, float[] y) {
    float[] out = new float[x.length];
    binary(KernelProvider.get(), BinaryOp.ADD, x, 1, y, 1, out, x.length);
    return out;
  }

  /** {@code acc += x} in place, with the float additions of {@code addArrays}. */
  static void addInto(float[] acc, float[] x, int n) {
    binary(KernelProvider.get(), BinaryOp.ADD, acc, 1, x, 1, acc, n);
  }

  /** {@code acc[accOff ..] += x[xOff ..]} over {@code n} elements, in place. */
  static void addInto(float[] acc, int accOff, float[] x, int xOff, int n) {
    KernelProvider.get().binary(BinaryOp.ADD, acc, accOff, 1, x, xOff, 1, acc, accOff, n);
  }

  /**
   * {@code out = op(a, b)} over {@code n} elements, each operand of stride 1 or 0 (one value), on
   * the kernels, split between the kernel threads when it is large.
   */
  private static void binary(
      Kernels k, BinaryOp op, float[] a, int aStride, float[] b, int bStride, float[] out, int n) {
    if (n < KernelThreads.ELEMENTWISE_PARALLEL) {
      k.binary(op, a, 0, aStride, b, 0, bStride, out, 0, n);
    } else {
      KernelThreads.elementwise(
          n,
          (from, to) ->
              k.binary(
                  op,
                  a,
                  from * aStride,
                  aStride,
                  b,
                  from * bStride,
                  bStride,
                  out,
                  from,
                  to - from));
    }
  }

  /** Computes {@code op(a, b)} with broadcasting, without recording. */
  static Tensor forward(String name, BinaryOp op, Tensor a, Tensor b) {
    Kernels k = KernelProvider.get();
    int[] as = a.shapeRef();
    int[] bs = b.shapeRef();
    if (Arrays.equals(as, bs)) {
      float[] out = new float[a.numel()];
      binary(k, op, a.data, 1, b.data, 1, out, out.length);
      return new Tensor(out, as);
    }
    int[] shape = Shapes.broadcast(name, as, bs);
    float[] out = new float[Shapes.numel(name, shape)];
    if (b.numel() == 1 && Arrays.equals(shape, as)) {
      binary(k, op, a.data, 1, b.data, 0, out, out.length);
      return new Tensor(out, shape);
    }
    if (a.numel() == 1 && Arrays.equals(shape, bs)) {
      binary(k, op, a.data, 0, b.data, 1, out, out.length);
      return new Tensor(out, shape);
    }
    int rank = shape.length;
    int[] sa = Shapes.broadcastStrides(as, shape);
    int[] sb = Shapes.broadcastStrides(bs, shape);
    int inner = shape[rank - 1];
    int rows = out.length / Math.max(inner, 1);
    int[] index = new int[rank];
    int offA = 0;
    int offB = 0;
    for (int r = 0; r < rows; r++) {
      k.binary(op, a.data, offA, sa[rank - 1], b.data, offB, sb[rank - 1], out, r * inner, inner);
      // odometer over all dimensions but the last
      for (int d = rank - 2; d >= 0; d--) {
        index[d]++;
        offA += sa[d];
        offB += sb[d];
        if (index[d] < shape[d]) {
          break;
        }
        offA -= sa[d] * shape[d];
        offB -= sb[d] * shape[d];
        index[d] = 0;
      }
    }
    return new Tensor(out, shape);
  }
}
