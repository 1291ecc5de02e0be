package dev.tapegrad.autograd;

import dev.tapegrad.autograd.kernel.KernelProvider;
import java.util.Arrays;

/**
 * Matrix products. Every case of {@link Tensor#matmul} reduces to one primitive, {@link #mm}: a
 * (batched) product {@code op(a) op(b)} where {@code op} may transpose. Its backward is the same
 * primitive with other transpose flags, so no transposed copy is ever made and second derivatives
 * come for free.
 */
final class LinearAlgebra {
  private LinearAlgebra() {}

  static Tensor matmul(Tensor a, Tensor b) {
    int[] as = a.shapeRef();
    int[] bs = b.shapeRef();
    if (as.length == 0 || bs.length == 0) {
      throw new IllegalArgumentException(
          String.format(
              "matmul: %s x %s: both arguments need at least 1 dimension",
              Shapes.format(as), Shapes.format(bs)));
    }
    int k1 = as[as.length - 1];
    int k2 = bs.length == 1 ? bs[0] : bs[bs.length - 2];
    if (k1 != k2) {
      throw new IllegalArgumentException(
          String.format(
              "matmul: %s x %s: inner dimensions differ (%d vs %d)",
              Shapes.format(as), Shapes.format(bs), k1, k2));
    }
    if (as.length == 1 && bs.length == 1) {
      return dot(a, b);
    }
    if (as.length == 1) {
      return matmul(a.unsqueeze(0), b).squeeze(-2);
    }
    if (bs.length == 1) {
      return matmul(a, b.unsqueeze(1)).squeeze(-1);
    }
    if (as.length == 2 && bs.length == 2) {
      return mm(a, b, false, false);
    }
    int m = as[as.length - 2];
    int n = bs[bs.length - 1];
    if (bs.length == 2) {
      // [..., m, k] x [k, n]: one big product, no batch loop
      int[] outShape = as.clone();
      outShape[outShape.length - 1] = n;
      return mm(a.reshape(-1, k1), b, false, false).reshape(outShape);
    }
    int[] batchA = Arrays.copyOf(as, as.length - 2);
    int[] batchB = Arrays.copyOf(bs, bs.length - 2);
    int[] batch;
    try {
      batch = Shapes.broadcast("matmul", batchA, batchB);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          String.format(
              "matmul: %s x %s: batch dimensions %s and %s do not broadcast",
              Shapes.format(as), Shapes.format(bs), Shapes.format(batchA), Shapes.format(batchB)));
    }
    int batchSize = Shapes.numel(batch);
    Tensor a3 = a.expand(concat(batch, m, k1)).reshape(batchSize, m, k1);
    Tensor b3 = b.expand(concat(batch, k1, n)).reshape(batchSize, k1, n);
    return mm(a3, b3, false, false).reshape(concat(batch, m, n));
  }

  private static int[] concat(int[] prefix, int x, int y) {
    int[] out = Arrays.copyOf(prefix, prefix.length + 2);
    out[prefix.length] = x;
    out[prefix.length + 1] = y;
    return out;
  }

  /**
   * {@code op(a) op(b)} for 2-D operands, or a batch of them for 3-D operands with equal batch
   * size. {@code transA} means {@code op(a)} is {@code a}'s transpose over its last two dims.
   */
  static Tensor mm(Tensor a, Tensor b, boolean transA, boolean transB) {
    int[] as = a.shapeRef();
    int[] bs = b.shapeRef();
    // Plain ifs, not checkArgument: its message arguments would be formatted on every call.
    if (as.length != bs.length || (as.length != 2 && as.length != 3)) {
      throw new IllegalArgumentException(
          String.format("mm: shapes %s and %s", Shapes.format(as), Shapes.format(bs)));
    }
    int r = as.length;
    int batch = r == 3 ? as[0] : 1;
    if (r == 3 && bs[0] != batch) {
      throw new IllegalArgumentException(
          String.format(
              "mm: batch sizes differ in %s and %s", Shapes.format(as), Shapes.format(bs)));
    }
    int m = transA ? as[r - 1] : as[r - 2];
    int k = transA ? as[r - 2] : as[r - 1];
    int kb = transB ? bs[r - 1] : bs[r - 2];
    int n = transB ? bs[r - 2] : bs[r - 1];
    if (k != kb) {
      throw new IllegalArgumentException(
          String.format(
              "matmul: %s x %s: inner dimensions differ (%d vs %d)",
              Shapes.format(as), Shapes.format(bs), k, kb));
    }
    float[] out = new float[Shapes.numel("matmul", new int[] {batch, m, n})];
    var kernels = KernelProvider.get();
    for (int i = 0; i < batch; i++) {
      kernels.gemm(m, n, k, a.data, i * m * k, transA, b.data, i * k * n, transB, out, i * m * n);
    }
    Profiler.countMultiplyAdds("matmul", (long) batch * m * n * k);
    int[] outShape = r == 3 ? new int[] {batch, m, n} : new int[] {m, n};
    if (Trace.active()) Trace.next("transA", transA, "transB", transB);
    // C = op(A) op(B): d op(A) = G op(B)^T, d op(B) = op(A)^T G
    return Node.record(
        "matmul",
        new Tensor(out, outShape),
        (g, needs) ->
            new Tensor[] {
              needs[0] ? (transA ? mm(b, g, transB, true) : mm(g, b, false, !transB)) : null,
              needs[1] ? (transB ? mm(g, a, true, transA) : mm(a, g, !transA, false)) : null
            },
        a,
        b);
  }

  static Tensor dot(Tensor a, Tensor b) {
    int[] as = a.shapeRef();
    int[] bs = b.shapeRef();
    if (as.length != 1 || bs.length != 1 || as[0] != bs[0]) {
      throw new IllegalArgumentException(
          String.format(
              "dot: expects two 1-D tensors of equal length, got %s and %s",
              Shapes.format(as), Shapes.format(bs)));
    }
    float v = (float) KernelProvider.get().dot(a.data, 0, b.data, 0, as[0]);
    Profiler.countMultiplyAdds("dot", as[0]);
    return Node.record(
        "dot",
        Tensor.scalar(v),
        (g, needs) -> new Tensor[] {needs[0] ? b.mul(g) : null, needs[1] ? a.mul(g) : null},
        a,
        b);
  }
}
