package dev.tapegrad.autograd;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Ops that move values without computing new ones. Reshape shares storage; everything else copies
 * into a fresh contiguous tensor (see {@link Tensor} for why). Each backward is the inverse
 * movement, written with these same ops.
 */
final class ShapeOps {
  // Checks are plain ifs, not checkArgument: its message arguments (formatted shapes) would be
  // computed on every call, and these ops run on every step.
  private ShapeOps() {}

  static Tensor copy(Tensor x) {
    Tensor out = new Tensor(x.toFloatArray(), x.shapeRef());
    return Node.record("copy", out, (g, needs) -> new Tensor[] {g}, x);
  }

  static Tensor reshape(Tensor x, int... newShape) {
    int[] shape = x.shapeRef();
    int[] target = newShape.clone();
    int infer = -1;
    long known = 1;
    for (int i = 0; i < target.length; i++) {
      if (target[i] == -1) {
        if (!(infer < 0)) {
          throw new IllegalArgumentException(
              String.format("reshape: more than one -1 in %s", Arrays.toString(newShape)));
        }
        infer = i;
      } else {
        if (!(target[i] >= 0)) {
          throw new IllegalArgumentException(
              String.format("reshape: negative size in %s", Arrays.toString(newShape)));
        }
        known *= target[i];
      }
    }
    if (infer >= 0) {
      if (!(known != 0 && x.numel() % known == 0)) {
        throw new IllegalArgumentException(
            String.format(
                "reshape: cannot reshape %s (%s elements) into %s",
                Shapes.format(shape), x.numel(), Arrays.toString(newShape)));
      }
      target[infer] = (int) (x.numel() / known);
      known *= target[infer];
    }
    if (!(known == x.numel())) {
      throw new IllegalArgumentException(
          String.format(
              "reshape: cannot reshape %s (%s elements) into %s",
              Shapes.format(shape), x.numel(), Arrays.toString(newShape)));
    }
    if (Arrays.equals(target, shape) && !x.requiresGrad()) {
      return x;
    }
    Shapes.numel("reshape", target);
    Tensor out = new Tensor(x.data, target, x.versionCounter());
    return Node.record("reshape", out, (g, needs) -> new Tensor[] {g.reshape(shape)}, x);
  }

  static Tensor transpose(Tensor x, int dim0, int dim1) {
    int rank = x.dim();
    int a = Shapes.wrapDim("transpose", dim0, x.shapeRef());
    int b = Shapes.wrapDim("transpose", dim1, x.shapeRef());
    if (rank < 2 || a == b) {
      return x.copy();
    }
    int[] perm = new int[rank];
    for (int i = 0; i < rank; i++) {
      perm[i] = i;
    }
    perm[a] = b;
    perm[b] = a;
    return permute(x, perm, "transpose");
  }

  static Tensor permute(Tensor x, int... dims) {
    return permute(x, dims, "permute");
  }

  private static Tensor permute(Tensor x, int[] dims, String name) {
    int[] shape = x.shapeRef();
    int rank = shape.length;
    if (!(dims.length == rank)) {
      throw new IllegalArgumentException(
          String.format(
              "%s: %s dimensions given for shape %s", name, dims.length, Shapes.format(shape)));
    }
    int[] perm = new int[rank];
    boolean[] used = new boolean[rank];
    for (int i = 0; i < rank; i++) {
      perm[i] = Shapes.wrapDim(name, dims[i], shape);
      if (!(!used[perm[i]])) {
        throw new IllegalArgumentException(
            String.format("%s: dimension %s repeated in %s", name, dims[i], Arrays.toString(dims)));
      }
      used[perm[i]] = true;
    }
    int[] outShape = new int[rank];
    for (int i = 0; i < rank; i++) {
      outShape[i] = shape[perm[i]];
    }
    int[] inStrides = Shapes.strides(shape);
    int[] readStrides = new int[rank];
    for (int i = 0; i < rank; i++) {
      readStrides[i] = inStrides[perm[i]];
    }
    float[] out = gatherStrided(x.data, outShape, readStrides, 0);
    int[] inverse = new int[rank];
    for (int i = 0; i < rank; i++) {
      inverse[perm[i]] = i;
    }
    if (Trace.active()) Trace.next("perm", perm);
    return Node.record(
        name, new Tensor(out, outShape), (g, needs) -> new Tensor[] {g.permute(inverse)}, x);
  }

  /** Copies {@code src} read with arbitrary strides into a contiguous array of {@code shape}. */
  static float[] gatherStrided(float[] src, int[] shape, int[] strides, int offset) {
    int n = Shapes.numel(shape);
    float[] out = new float[n];
    int rank = shape.length;
    if (n == 0) {
      return out;
    }
    if (rank == 0) {
      out[0] = src[offset];
      return out;
    }
    int inner = shape[rank - 1];
    int innerStride = strides[rank - 1];
    int[] index = new int[rank];
    int off = offset;
    for (int pos = 0; pos < n; pos += inner) {
      if (innerStride == 1) {
        System.arraycopy(src, off, out, pos, inner);
      } else {
        for (int j = 0, s = off; j < inner; j++, s += innerStride) {
          out[pos + j] = src[s];
        }
      }
      for (int d = rank - 2; d >= 0; d--) {
        index[d]++;
        off += strides[d];
        if (index[d] < shape[d]) {
          break;
        }
        off -= strides[d] * shape[d];
        index[d] = 0;
      }
    }
    return out;
  }

  /** The values of {@code x} repeated to a broadcast {@code shape}. */
  static float[] broadcastData(Tensor x, int[] shape) {
    if (Arrays.equals(x.shapeRef(), shape)) {
      return x.data;
    }
    return gatherStrided(x.data, shape, Shapes.broadcastStrides(x.shapeRef(), shape), 0);
  }

  static Tensor squeeze(Tensor x) {
    int[] shape = x.shapeRef();
    int[] out = Arrays.stream(shape).filter(s -> s != 1).toArray();
    return reshape(x, out);
  }

  static Tensor squeeze(Tensor x, int dim) {
    int[] shape = x.shapeRef();
    if (shape.length == 0) {
      Shapes.wrapDim("squeeze", dim, shape);
      return x;
    }
    int d = Shapes.wrapDim("squeeze", dim, shape);
    return shape[d] == 1 ? reshape(x, Shapes.remove(shape, d)) : x;
  }

  static Tensor unsqueeze(Tensor x, int dim) {
    int[] shape = x.shapeRef();
    int rank = shape.length + 1;
    if (dim < -rank || dim >= rank) {
      throw new IllegalArgumentException(
          String.format(
              "unsqueeze: dimension %d out of range for shape %s (expected %d to %d)",
              dim, Shapes.format(shape), -rank, rank - 1));
    }
    int d = dim < 0 ? dim + rank : dim;
    return reshape(x, Shapes.insert(shape, d, 1));
  }

  static Tensor expand(Tensor x, int... newShape) {
    int[] shape = x.shapeRef();
    if (!(newShape.length >= shape.length)) {
      throw new IllegalArgumentException(
          String.format(
              "expand: cannot expand %s to fewer dimensions %s",
              Shapes.format(shape), Arrays.toString(newShape)));
    }
    int[] target = newShape.clone();
    int lead = target.length - shape.length;
    for (int i = 0; i < target.length; i++) {
      int own = i < lead ? -2 : shape[i - lead];
      if (target[i] == -1) {
        if (!(own != -2)) {
          throw new IllegalArgumentException(
              String.format(
                  "expand: -1 not allowed in a new leading dimension: %s",
                  Arrays.toString(newShape)));
        }
        target[i] = own;
      }
      if (!(target[i] >= 0 && (own == -2 || own == target[i] || own == 1))) {
        throw new IllegalArgumentException(
            String.format(
                "expand: cannot expand %s to %s (dimension %s: %s vs %s)",
                Shapes.format(shape), Arrays.toString(newShape), i, own, target[i]));
      }
    }
    if (Arrays.equals(target, shape)) {
      return x.requiresGrad() ? copy(x) : x;
    }
    Shapes.numel("expand", target);
    Tensor out = new Tensor(broadcastData(x, target), target);
    return Node.record("expand", out, (g, needs) -> new Tensor[] {g.sumToShape(shape)}, x);
  }

  /** Sums {@code x} over the dimensions along which {@code target} was broadcast to it. */
  static Tensor sumToShape(Tensor x, int... target) {
    int[] shape = x.shapeRef();
    if (Arrays.equals(shape, target)) {
      return x;
    }
    int[] check = Shapes.broadcast("sumToShape", shape, target);
    if (!(Arrays.equals(check, shape))) {
      throw new IllegalArgumentException(
          String.format(
              "sumToShape: %s cannot be summed to %s",
              Shapes.format(shape), Shapes.format(target)));
    }
    int lead = shape.length - target.length;
    Tensor result = x;
    if (lead > 0) {
      int[] rest = Arrays.copyOfRange(shape, lead, shape.length);
      result = result.reshape(Shapes.insert(rest, 0, Shapes.outer(shape, lead))).sum(0, false);
    }
    for (int d = 0; d < target.length; d++) {
      if (target[d] == 1 && result.shapeRef()[d] != 1) {
        result = result.sum(d, true);
      }
    }
    return result.reshape(target);
  }

  static Tensor narrow(Tensor x, int dim, int from, int length) {
    int[] shape = x.shapeRef();
    if (!(shape.length > 0)) {
      throw new IllegalArgumentException("narrow: cannot narrow a scalar");
    }
    int d = Shapes.wrapDim("narrow", dim, shape);
    // a negative start counts from the end, as in PyTorch
    int start = from < 0 && from >= -shape[d] ? from + shape[d] : from;
    if (start < 0 || length < 0 || start + length > shape[d]) {
      throw new IndexOutOfBoundsException(
          String.format(
              "narrow: range [%d, %d) out of bounds for dimension %d of shape %s",
              from, from + length, dim, Shapes.format(shape)));
    }
    int outer = Shapes.outer(shape, d);
    int inner = Shapes.inner(shape, d);
    int[] outShape = Shapes.with(shape, d, length);
    float[] out = new float[outer * length * inner];
    int chunk = length * inner;
    for (int o = 0; o < outer; o++) {
      System.arraycopy(x.data, (o * shape[d] + start) * inner, out, o * chunk, chunk);
    }
    if (Trace.active()) Trace.next("dim", d, "start", start, "length", length);
    return Node.record("narrow", new Tensor(out, outShape), new NarrowBackward(shape, d, start), x);
  }

  /**
   * The backward of narrow: the gradient placed inside zeros of the input's shape. The engine, when
   * it records nothing, adds the slice straight into the input's pending gradient through {@link
   * #addSlice} instead, which saves a full-size array per narrow (a sequence split into its steps
   * would otherwise cost steps times the sequence in zeros).
   */
  static final class NarrowBackward implements Backward {
    private final int[] shape;
    private final int dim;
    private final int start;

    NarrowBackward(int[] shape, int dim, int start) {
      this.shape = shape;
      this.dim = dim;
      this.start = start;
    }

    @Override
    public Tensor[] apply(Tensor g, boolean[] needs) {
      return new Tensor[] {embed(g, shape, dim, start)};
    }

    /** {@code dst[slice] += g}, {@code dst} having the input's shape. */
    void addSlice(Tensor g, float[] dst) {
      int outer = Shapes.outer(shape, dim);
      int inner = Shapes.inner(shape, dim);
      int chunk = g.shapeRef()[dim] * inner;
      for (int o = 0; o < outer; o++) {
        Binary.addInto(dst, (o * shape[dim] + start) * inner, g.data, o * chunk, chunk);
      }
    }
  }

  /** Places {@code g} at {@code start} along {@code dim} inside zeros of {@code shape}. */
  static Tensor embed(Tensor g, int[] shape, int dim, int start) {
    int[] gs = g.shapeRef();
    int outer = Shapes.outer(shape, dim);
    int inner = Shapes.inner(shape, dim);
    float[] out = new float[Shapes.numel(shape)];
    int chunk = gs[dim] * inner;
    for (int o = 0; o < outer; o++) {
      System.arraycopy(g.data, o * chunk, out, (o * shape[dim] + start) * inner, chunk);
    }
    int length = gs[dim];
    return Node.record(
        "narrowBackward",
        new Tensor(out, shape.clone()),
        (gg, needs) -> new Tensor[] {gg.narrow(dim, start, length)},
        g);
  }

  static Tensor slice(Tensor x, int dim, int start, int end, int step) {
    int[] shape = x.shapeRef();
    if (!(shape.length > 0)) {
      throw new IllegalArgumentException("slice: cannot slice a scalar");
    }
    if (!(step > 0)) {
      throw new IllegalArgumentException(
          String.format("slice: step must be positive, got %s", step));
    }
    int d = Shapes.wrapDim("slice", dim, shape);
    int n = shape[d];
    int s = Math.max(0, Math.min(n, start < 0 ? start + n : start));
    int e = Math.max(0, Math.min(n, end < 0 ? end + n : end));
    if (e <= s) {
      return narrow(x, d, s, 0);
    }
    if (step == 1) {
      return narrow(x, d, s, e - s);
    }
    int count = (e - s + step - 1) / step;
    int[] indices = new int[count];
    for (int i = 0; i < count; i++) {
      indices[i] = s + i * step;
    }
    return Indexing.indexSelect(x, d, indices);
  }

  static Tensor cat(List<Tensor> tensors, int dim) {
    if (!(!tensors.isEmpty())) {
      throw new IllegalArgumentException("cat: no tensors given");
    }
    int[] first = tensors.get(0).shapeRef();
    if (!(first.length > 0)) {
      throw new IllegalArgumentException("cat: cannot concatenate scalars; use stack");
    }
    int d = Shapes.wrapDim("cat", dim, first);
    int total = 0;
    int[] sizes = new int[tensors.size()];
    for (int t = 0; t < tensors.size(); t++) {
      int[] s = tensors.get(t).shapeRef();
      boolean ok = s.length == first.length;
      for (int i = 0; ok && i < s.length; i++) {
        ok = i == d || s[i] == first[i];
      }
      if (!ok) {
        throw new IllegalArgumentException(
            String.format(
                "cat: tensor %d has shape %s, incompatible with %s along dimension %d",
                t, Shapes.format(s), Shapes.format(first), d));
      }
      sizes[t] = s[d];
      if ((long) total + s[d] > Shapes.MAX_NUMEL) {
        throw new IllegalArgumentException(
            String.format(
                "cat: sizes along dimension %d add up to more than %d (at tensor %d of shape %s)",
                d, Shapes.MAX_NUMEL, t, Shapes.format(s)));
      }
      total += s[d];
    }
    int[] outShape = Shapes.with(first, d, total);
    int outer = Shapes.outer(first, d);
    int inner = Shapes.inner(first, d);
    float[] out = new float[Shapes.numel("cat", outShape)];
    int offset = 0;
    for (int t = 0; t < tensors.size(); t++) {
      Tensor x = tensors.get(t);
      int chunk = sizes[t] * inner;
      for (int o = 0; o < outer; o++) {
        System.arraycopy(x.data, o * chunk, out, (o * total + offset) * inner, chunk);
      }
      offset += sizes[t];
    }
    Tensor[] inputs = tensors.toArray(new Tensor[0]);
    if (Trace.active()) Trace.next("dim", d);
    return Node.record(
        "cat",
        new Tensor(out, outShape),
        (g, needs) -> {
          Tensor[] grads = new Tensor[inputs.length];
          int start = 0;
          for (int t = 0; t < inputs.length; t++) {
            if (needs[t]) {
              grads[t] = g.narrow(d, start, sizes[t]);
            }
            start += sizes[t];
          }
          return grads;
        },
        inputs);
  }

  static Tensor stack(List<Tensor> tensors, int dim) {
    if (!(!tensors.isEmpty())) {
      throw new IllegalArgumentException("stack: no tensors given");
    }
    int[] first = tensors.get(0).shapeRef();
    int rank = first.length + 1;
    if (dim < -rank || dim >= rank) {
      throw new IllegalArgumentException(
          String.format("stack: dimension %d out of range for %d-dimensional result", dim, rank));
    }
    List<Tensor> expanded = new ArrayList<>(tensors.size());
    for (int t = 0; t < tensors.size(); t++) {
      Tensor x = tensors.get(t);
      if (!Arrays.equals(x.shapeRef(), first)) {
        throw new IllegalArgumentException(
            String.format(
                "stack: tensor %d has shape %s but tensor 0 has %s",
                t, Shapes.format(x.shapeRef()), Shapes.format(first)));
      }
      expanded.add(x.unsqueeze(dim));
    }
    return cat(expanded, dim);
  }

  static List<Tensor> split(Tensor x, int size, int dim) {
    int[] shape = x.shapeRef();
    if (!(shape.length > 0)) {
      throw new IllegalArgumentException("split: cannot split a tensor of shape []");
    }
    int d = Shapes.wrapDim("split", dim, shape);
    if (!(size > 0)) {
      throw new IllegalArgumentException(
          String.format("split: size must be positive, got %s", size));
    }
    List<Tensor> parts = new ArrayList<>();
    for (int start = 0; start < shape[d]; start += size) {
      parts.add(narrow(x, d, start, Math.min(size, shape[d] - start)));
    }
    return parts;
  }

  static List<Tensor> split(Tensor x, int[] sizes, int dim) {
    int[] shape = x.shapeRef();
    if (!(shape.length > 0)) {
      throw new IllegalArgumentException("split: cannot split a tensor of shape []");
    }
    int d = Shapes.wrapDim("split", dim, shape);
    int total = Arrays.stream(sizes).sum();
    if (!(total == shape[d] && Arrays.stream(sizes).allMatch(s -> s >= 0))) {
      throw new IllegalArgumentException(
          String.format(
              "split: sizes %s do not add up to %s, the size of dimension %s of %s",
              Arrays.toString(sizes), shape[d], dim, Shapes.format(shape)));
    }
    List<Tensor> parts = new ArrayList<>();
    int start = 0;
    for (int s : sizes) {
      parts.add(narrow(x, d, start, s));
      start += s;
    }
    return parts;
  }

  static List<Tensor> chunk(Tensor x, int chunks, int dim) {
    if (!(chunks > 0)) {
      throw new IllegalArgumentException(
          String.format("chunk: number of chunks must be positive, got %s", chunks));
    }
    if (!(x.dim() > 0)) {
      throw new IllegalArgumentException("chunk: cannot chunk a tensor of shape []");
    }
    int n = x.shapeRef()[Shapes.wrapDim("chunk", dim, x.shapeRef())];
    int size = Math.max(1, (n + chunks - 1) / chunks);
    return split(x, size, dim);
  }
}
