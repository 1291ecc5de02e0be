package dev.tapegrad.autograd;

import static com.google.common.base.Preconditions.checkArgument;

import dev.tapegrad.autograd.kernel.KernelProvider;
import java.util.Arrays;

/**
 * Ops that read by index: indexSelect and gather, and their adjoints indexAdd and scatterAdd, each
 * the other's backward so higher derivatives work. Index tensors hold integral float values, since
 * tapegrad tensors are float32 only.
 */
final class Indexing {
  private Indexing() {}

  static Tensor indexSelect(Tensor x, int dim, int... indices) {
    int[] shape = x.shapeRef();
    checkArgument(shape.length > 0, "indexSelect: cannot index a scalar");
    int d = Shapes.wrapDim("indexSelect", dim, shape);
    int size = shape[d];
    for (int i : indices) {
      if (i < 0 || i >= size) {
        throw new IndexOutOfBoundsException(
            String.format(
                "indexSelect: index %d out of range for dimension %d of shape %s",
                i, dim, Shapes.format(shape)));
      }
    }
    int[] idx = indices.clone();
    if (Trace.active()) Trace.next("dim", d, "indices", idx);
    int outer = Shapes.outer(shape, d);
    int inner = Shapes.inner(shape, d);
    int[] outShape = Shapes.with(shape, d, idx.length);
    float[] out = new float[Shapes.numel(outShape)];
    KernelProvider.get().indexSelect(x.data, outer, size, inner, idx, out);
    return Node.record(
        "indexSelect",
        new Tensor(out, outShape),
        (g, needs) -> new Tensor[] {indexAdd(g, shape, d, idx)},
        x);
  }

  /** Zeros of {@code shape} with slices of {@code g} added at {@code indices} along {@code dim}. */
  static Tensor indexAdd(Tensor g, int[] shape, int d, int[] idx) {
    int size = shape[d];
    int outer = Shapes.outer(shape, d);
    int inner = Shapes.inner(shape, d);
    float[] out = new float[Shapes.numel(shape)];
    KernelProvider.get().indexAdd(g.data, outer, size, inner, idx, out);
    return Node.record(
        "indexAdd",
        new Tensor(out, shape.clone()),
        (gg, needs) -> new Tensor[] {indexSelect(gg, d, idx)},
        g);
  }

  static Tensor gather(Tensor x, int dim, Tensor index) {
    int[] shape = x.shapeRef();
    int[] is = index.shapeRef();
    checkArgument(shape.length > 0, "gather: cannot gather from a scalar");
    int d = Shapes.wrapDim("gather", dim, shape);
    checkArgument(
        is.length == shape.length,
        "gather: index shape %s must have the rank of input shape %s",
        Shapes.format(is),
        Shapes.format(shape));
    for (int i = 0; i < is.length; i++) {
      checkArgument(
          i == d || is[i] <= shape[i],
          "gather: index shape %s exceeds input shape %s in dimension %s",
          Shapes.format(is),
          Shapes.format(shape),
          i);
    }
    if (Trace.active()) Trace.next("dim", d, "index", index);
    return gatherFlat(x, positions("gather", x, d, index), is.clone());
  }

  /** Flat positions in {@code x} read by gather, validating every index. */
  private static int[] positions(String op, Tensor x, int d, Tensor index) {
    int[] shape = x.shapeRef();
    int[] is = index.shapeRef();
    int[] xStrides = Shapes.strides(shape);
    int[] coord = new int[is.length];
    int[] pos = new int[index.numel()];
    for (int flat = 0; flat < pos.length; flat++) {
      float v = index.data[flat];
      int k = (int) v;
      if (k != v || k < 0 || k >= shape[d]) {
        throw new IndexOutOfBoundsException(
            String.format(
                "%s: index value %s at %s out of range for dimension %d of shape %s",
                op, v, Arrays.toString(coord), d, Shapes.format(shape)));
      }
      int p = 0;
      for (int i = 0; i < is.length; i++) {
        p += (i == d ? k : coord[i]) * xStrides[i];
      }
      pos[flat] = p;
      for (int i = is.length - 1; i >= 0; i--) {
        if (++coord[i] < is[i]) {
          break;
        }
        coord[i] = 0;
      }
    }
    return pos;
  }

  /** Zeros of {@code shape} with {@code g[i]} added at flat position {@code positions[i]}. */
  private static Tensor scatterAdd(Tensor g, int[] shape, int[] positions) {
    float[] out = new float[Shapes.numel(shape)];
    KernelProvider.get().scatterAdd(g.data, positions, out, positions.length);
    int[] gShape = g.shapeRef();
    return Node.record(
        "scatterAdd",
        new Tensor(out, shape.clone()),
        (gg, needs) -> {
          return new Tensor[] {gatherFlat(gg, positions, gShape)};
        },
        g);
  }

  /** {@code out[i] = src.flat[positions[i]]}, recorded so that it can be differentiated again. */
  private static Tensor gatherFlat(Tensor src, int[] positions, int[] outShape) {
    float[] out = new float[positions.length];
    KernelProvider.get().gather(src.data, positions, out, out.length);
    int[] srcShape = src.shapeRef();
    return Node.record(
        "gather",
        new Tensor(out, outShape),
        (g, needs) -> new Tensor[] {scatterAdd(g, srcShape, positions)},
        src);
  }

  static Tensor oneHot(int[] indices, int numClasses) {
    checkArgument(numClasses > 0, "oneHot: numClasses must be positive, got %s", numClasses);
    float[] out = new float[Shapes.numel("oneHot", new int[] {indices.length, numClasses})];
    for (int i = 0; i < indices.length; i++) {
      int k = indices[i];
      if (k < 0 || k >= numClasses) {
        throw new IndexOutOfBoundsException(
            String.format(
                "oneHot: index %d at position %d out of range for %d classes", k, i, numClasses));
      }
      out[i * numClasses + k] = 1f;
    }
    return new Tensor(out, new int[] {indices.length, numClasses});
  }
}
