package dev.tapegrad.autograd;

import static com.google.common.base.Preconditions.checkArgument;

import dev.tapegrad.autograd.kernel.BinaryOp;
import dev.tapegrad.autograd.kernel.KernelProvider;
import dev.tapegrad.autograd.kernel.UnaryOp;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.random.RandomGenerator;

/**
 * An n-dimensional array of float32 values that can record the operations applied to it, so that
 * gradients can be computed by reverse-mode automatic differentiation.
 *
 * <p>Tensors are immutable from the user's side: every op returns a new tensor. The exceptions are
 * the methods whose names end in {@code InPlace} (and {@link #copyFrom}), meant for optimizers and
 * initialisers; they refuse to run on a tensor that requires grad while grad mode is on.
 *
 * <p>Storage is a contiguous, row-major, on-heap {@code float[]}. Decision: there are no strided
 * views. {@code reshape} and {@code view} share storage (safe, since tensors are immutable); {@code
 * transpose}, {@code permute}, {@code narrow} and {@code expand} copy. This keeps every kernel on
 * unit-stride data; the copies are cheap next to the matmuls they feed.
 *
 * <p>Autograd follows PyTorch: a leaf created with {@code requiresGrad(true)} records every op it
 * takes part in; {@link #backward()} accumulates into {@link #grad()} of every reachable leaf. See
 * {@link Autograd} for grad mode and functional gradients.
 *
 * <p>Dimensions may be negative, counting from the end, wherever an op takes one.
 *
 * <p><b>Bulk access.</b> Values move in and out in bulk only by copying: {@link #toFloatArray},
 * {@link #copyTo(int, FloatBuffer)} and {@link #copyFrom(int, FloatBuffer)}. Their contract: the
 * caller never holds the storage, so a tensor cannot change behind its own back; a copy out is a
 * snapshot that later in-place changes do not reach; a copy in is an in-place change, with the same
 * rules as {@link #copyFrom(Tensor)}. The buffer forms let a serializer (such as the safetensors
 * reader and writer in {@code tapegrad-io}) stream a tensor through a fixed-size {@link
 * java.nio.ByteBuffer} in any byte order, via {@link java.nio.ByteBuffer#asFloatBuffer()}, with no
 * second full-size copy.
 *
 * <p>Threads. Tensors are immutable, so any number of threads may read them and compute with them
 * at once. What is and is not safe:
 *
 * <ul>
 *   <li>Inference on one shared model from many threads, each under its own {@link
 *       Autograd#noGrad()}: safe (grad mode is per thread; nothing is recorded or written).
 *   <li>Separate models (separate parameter tensors) trained on separate threads: safe.
 *   <li>Several threads running {@code backward()} on their own graphs that share leaves (one set
 *       of weights, several batches): safe. Each leaf accumulates under its own lock, so no
 *       contribution is lost; each thread's gradient is deterministic, but the order in which the
 *       threads' contributions are added is not, so with three or more contributions the sum may
 *       differ in the last bits from run to run. For bit-reproducible data parallelism, compute the
 *       gradients with {@link Autograd#grad} on each thread and add them in a fixed order.
 *   <li>Not safe: two threads walking the same graph (one {@code backward()} frees what the other
 *       walks), an {@code InPlace} method or an optimizer step on a tensor another thread is
 *       reading or differentiating through, and {@link #zeroGrad()} racing a backward pass (the
 *       gradient is then either cleared or not, never corrupt). Synchronise those yourself, as in
 *       PyTorch.
 * </ul>
 */
public final class Tensor {
  final float[] data;

  /**
   * Bumped by every in-place change, so backward can tell that a saved input went stale; shared by
   * the tensors over the same storage. Null until first needed (most tensors are never changed in
   * place nor viewed), which reads as version 0.
   */
  private int[] version;

  private final int[] shape;
  private final int numel;
  private boolean requiresGrad;
  private Node gradFn;
  private Tensor grad;

  Tensor(float[] data, int[] shape) {
    this.data = data;
    this.shape = shape;
    this.numel = Shapes.numel(shape);
  }

  /** A tensor over shared storage; tensors sharing storage share one version counter. */
  Tensor(float[] data, int[] shape, int[] version) {
    this.version = version;
    this.data = data;
    this.shape = shape;
    this.numel = Shapes.numel(shape);
  }

  /**
   * Counts every in-place change of any tensor, so that a node recorded since the last one can skip
   * comparing its inputs' versions.
   */
  static final AtomicInteger IN_PLACE_CHANGES = new AtomicInteger();

  /** The version of the storage: how many in-place changes it has seen. */
  int version() {
    int[] v = version;
    return v == null ? 0 : v[0];
  }

  /** The version counter, created on first use so that a view made later shares it. */
  synchronized int[] versionCounter() {
    if (version == null) {
      version = new int[1];
    }
    return version;
  }

  // ---------------------------------------------------------------- factories

  /**
   * A tensor holding a copy of {@code data} with the given shape; an empty shape makes a scalar.
   *
   * @throws IllegalArgumentException if the shape's size differs from {@code data.length}
   */
  public static Tensor of(float[] data, int... shape) {
    int[] s = Shapes.checkShape("Tensor.of", shape);
    checkArgument(
        Shapes.numel(s) == data.length,
        "Tensor.of: %s values do not fill shape %s (%s elements)",
        data.length,
        Shapes.format(s),
        Shapes.numel(s));
    return new Tensor(data.clone(), s);
  }

  /** A 1-D tensor of the given values. */
  public static Tensor vector(float... values) {
    return new Tensor(values.clone(), new int[] {values.length});
  }

  /** A 0-dimensional tensor holding one value. */
  public static Tensor scalar(float value) {
    return new Tensor(new float[] {value}, new int[0]);
  }

  /** A tensor of zeros. */
  public static Tensor zeros(int... shape) {
    int[] s = Shapes.checkShape("zeros", shape);
    return new Tensor(new float[Shapes.numel(s)], s);
  }

  /** A tensor of ones. */
  public static Tensor ones(int... shape) {
    return full(1f, shape);
  }

  /** A tensor filled with {@code value}. */
  public static Tensor full(float value, int... shape) {
    int[] s = Shapes.checkShape("full", shape);
    float[] d = new float[Shapes.numel(s)];
    Arrays.fill(d, value);
    return new Tensor(d, s);
  }

  /** Zeros with this tensor's shape. */
  public Tensor zerosLike() {
    return zeros(shape);
  }

  /** Ones with this tensor's shape. */
  public Tensor onesLike() {
    return ones(shape);
  }

  /** {@code [0, 1, ..., n - 1]}. */
  public static Tensor arange(int n) {
    return arange(0, n, 1);
  }

  /**
   * Values from {@code start} (inclusive) to {@code end} (exclusive) in steps of {@code step}, each
   * computed as {@code start + i * step} in double and rounded once.
   *
   * @throws IllegalArgumentException if an argument is not finite, the step is zero, or the range
   *     holds more elements than a tensor can
   */
  public static Tensor arange(float start, float end, float step) {
    checkArgument(
        step != 0 && Float.isFinite(step),
        "arange: step must be finite and non-zero, got %s",
        step);
    checkArgument(
        Float.isFinite(start) && Float.isFinite(end),
        "arange: start and end must be finite, got %s and %s",
        start,
        end);
    double count = Math.max(0, Math.ceil(((double) end - start) / step));
    checkArgument(
        count <= Shapes.MAX_NUMEL,
        "arange: %s to %s in steps of %s makes %s elements, more than the %s a tensor can hold",
        start,
        end,
        step,
        (long) count,
        Shapes.MAX_NUMEL);
    int n = (int) count;
    float[] d = new float[n];
    for (int i = 0; i < n; i++) {
      d[i] = (float) (start + (double) i * step);
    }
    return new Tensor(d, new int[] {n});
  }

  /** The {@code n x n} identity matrix. */
  public static Tensor eye(int n) {
    checkArgument(n >= 0, "eye: negative size %s", n);
    int[] shape = Shapes.checkShape("eye", n, n);
    float[] d = new float[Shapes.numel(shape)];
    for (int i = 0; i < n; i++) {
      d[i * n + i] = 1f;
    }
    return new Tensor(d, shape);
  }

  /** Uniform values in {@code [0, 1)} from {@code random}. */
  public static Tensor rand(RandomGenerator random, int... shape) {
    int[] s = Shapes.checkShape("rand", shape);
    float[] d = new float[Shapes.numel(s)];
    for (int i = 0; i < d.length; i++) {
      d[i] = random.nextFloat();
    }
    return new Tensor(d, s);
  }

  /** Uniform values in {@code [0, 1)} from a generator seeded with {@code seed}. */
  public static Tensor rand(long seed, int... shape) {
    return rand(new Random(seed), shape);
  }

  /** Uniform values in {@code [low, high)} from {@code random}. */
  public static Tensor uniform(RandomGenerator random, float low, float high, int... shape) {
    checkArgument(
        Float.isFinite(low) && Float.isFinite(high) && low <= high,
        "uniform: bounds must be finite with low <= high, got [%s, %s)",
        low,
        high);
    int[] s = Shapes.checkShape("uniform", shape);
    float[] d = new float[Shapes.numel(s)];
    for (int i = 0; i < d.length; i++) {
      d[i] = low + (high - low) * random.nextFloat();
    }
    return new Tensor(d, s);
  }

  /** Standard normal values from {@code random}. */
  public static Tensor randn(RandomGenerator random, int... shape) {
    int[] s = Shapes.checkShape("randn", shape);
    float[] d = new float[Shapes.numel(s)];
    for (int i = 0; i < d.length; i++) {
      d[i] = (float) random.nextGaussian();
    }
    return new Tensor(d, s);
  }

  /** Standard normal values from a generator seeded with {@code seed}. */
  public static Tensor randn(long seed, int... shape) {
    return randn(new Random(seed), shape);
  }

  // ---------------------------------------------------------------- accessors

  /** The sizes of the dimensions (a copy). */
  public int[] shape() {
    return shape.clone();
  }

  int[] shapeRef() {
    return shape;
  }

  /** The number of dimensions; 0 for a scalar. */
  public int dim() {
    return shape.length;
  }

  /** The size of dimension {@code d}; negative {@code d} counts from the end. */
  public int size(int d) {
    checkArgument(shape.length > 0, "size: a tensor of shape [] has no dimension %s", d);
    return shape[Shapes.wrapDim("size", d, shape)];
  }

  /** The number of elements. */
  public int numel() {
    return numel;
  }

  /** The value of a one-element tensor. */
  public float item() {
    checkArgument(
        numel == 1, "item: tensor of shape %s has %s elements, not 1", Shapes.format(shape), numel);
    return data[0];
  }

  /** The element at the given index, one coordinate per dimension. */
  public float get(int... index) {
    checkArgument(
        index.length == shape.length,
        "get: %s coordinates for a tensor of shape %s",
        index.length,
        Shapes.format(shape));
    int flat = 0;
    for (int d = 0; d < shape.length; d++) {
      int i = index[d];
      if (i < 0 || i >= shape[d]) {
        throw new IndexOutOfBoundsException(
            String.format(
                "get: index %s out of range for shape %s (dimension %d)",
                Arrays.toString(index), Shapes.format(shape), d));
      }
      flat = flat * shape[d] + i;
    }
    return data[flat];
  }

  float flatGet(int i) {
    return data[i];
  }

  /** A copy of the values in row-major order. */
  public float[] toFloatArray() {
    return Arrays.copyOf(data, numel);
  }

  /**
   * Copies the values at row-major indices {@code [offset, offset + dst.remaining())} into {@code
   * dst}, advancing its position; this tensor is unchanged. See "Bulk access" above.
   *
   * @throws IndexOutOfBoundsException if {@code offset} is negative or the range passes {@link
   *     #numel()}
   * @throws java.nio.ReadOnlyBufferException if {@code dst} is read-only
   */
  public void copyTo(int offset, FloatBuffer dst) {
    int count = dst.remaining();
    checkRange("copyTo", offset, count);
    dst.put(data, offset, count);
  }

  private void checkRange(String op, int offset, int count) {
    if (offset < 0 || offset > numel - count) {
      throw new IndexOutOfBoundsException(
          String.format(
              "%s: values [%d, %d) out of range for a tensor of %d elements (shape %s)",
              op, offset, (long) offset + count, numel, Shapes.format(shape)));
    }
  }

  /** Whether this tensor has the given shape. */
  public boolean hasShape(int... expected) {
    return Arrays.equals(shape, expected);
  }

  @Override
  public String toString() {
    return TensorFormat.format(this);
  }

  // ---------------------------------------------------------------- autograd

  /** Whether ops on this tensor are recorded for differentiation. */
  public boolean requiresGrad() {
    return requiresGrad;
  }

  /**
   * Marks a leaf tensor as requiring grad (or not) and returns it.
   *
   * @throws IllegalStateException on a non-leaf tensor, whose flag follows from its inputs
   */
  public Tensor requiresGrad(boolean value) {
    if (gradFn != null) {
      throw new IllegalStateException(
          "requiresGrad: only leaf tensors can change it; this one was produced by '"
              + gradFn.op
              + "'; use detach()");
    }
    this.requiresGrad = value;
    return this;
  }

  /** True for tensors not produced by a recorded op (inputs, parameters, detached tensors). */
  public boolean isLeaf() {
    return gradFn == null;
  }

  /** The name of the op that produced this tensor, or null for a leaf. */
  public String opName() {
    return gradFn == null ? null : gradFn.op;
  }

  Node gradFn() {
    return gradFn;
  }

  void attach(Node node) {
    this.gradFn = node;
    this.requiresGrad = true;
  }

  /**
   * The accumulated gradient of a leaf, or null before any backward pass reached it. Reading it is
   * safe while another thread's backward accumulates into it (see the class notes on threads).
   */
  public synchronized Tensor grad() {
    return grad;
  }

  /** Clears the accumulated gradient. */
  public synchronized void zeroGrad() {
    grad = null;
  }

  /** Sets the accumulated gradient (for optimizers and tests); null clears it. */
  public synchronized void setGrad(Tensor value) {
    if (value != null) {
      checkArgument(
          Arrays.equals(value.shape, shape),
          "setGrad: gradient shape %s does not match tensor shape %s",
          Shapes.format(value.shape),
          Shapes.format(shape));
    }
    this.grad = value;
  }

  /**
   * Adds {@code g} to the accumulated gradient, under this leaf's lock, so concurrent backward
   * passes lose nothing; {@code owned} says that no one else holds {@code g} (the engine made it),
   * so it can become the gradient without a copy.
   */
  synchronized void accumulateGrad(Tensor g, boolean keepGraph, boolean owned) {
    if (!keepGraph) {
      g = g.requiresGrad ? g.detach() : g;
      Tensor first = owned ? g : g.copy();
      grad = grad == null ? first : new Tensor(Binary.addArrays(grad.data, g.data), shape);
    } else {
      grad = grad == null ? g : grad.add(g);
    }
  }

  /** Backpropagates from a one-element tensor; the graph is freed afterwards. */
  public void backward() {
    backward(null, false);
  }

  /** Backpropagates {@code gradOutput}, which must have this tensor's shape. */
  public void backward(Tensor gradOutput) {
    backward(gradOutput, false);
  }

  /**
   * Backpropagates, accumulating into the {@code grad()} of every reachable leaf.
   *
   * @param gradOutput the gradient of some scalar with respect to this tensor; null means 1 for a
   *     one-element tensor
   * @param retainGraph keep the graph so that it can be walked again
   * @throws IllegalStateException if this tensor does not require grad, or the graph was freed
   */
  public void backward(Tensor gradOutput, boolean retainGraph) {
    if (!requiresGrad) {
      throw new IllegalStateException(
          "backward: tensor of shape "
              + Shapes.format(shape)
              + " does not require grad and has no graph");
    }
    Tensor[] outs = {this};
    Tensor[] grads =
        Autograd.defaultGradOutputs(
            "backward", outs, gradOutput == null ? null : List.of(gradOutput));
    Engine.run(outs, grads, null, retainGraph, false);
  }

  /** A tensor sharing this one's values but cut from the graph: no gradient flows through it. */
  public Tensor detach() {
    return Trace.alias(new Tensor(data, shape, versionCounter()), this);
  }

  /** A copy of the values, recorded as an identity op. */
  public Tensor copy() {
    return ShapeOps.copy(this);
  }

  // ---------------------------------------------------------------- in place (optimizers)

  private void checkInPlace(String op) {
    if (requiresGrad && Autograd.isGradEnabled()) {
      throw new IllegalStateException(
          op + ": in-place change of a tensor that requires grad; wrap it in Autograd.noGrad()");
    }
    versionCounter()[0]++;
    IN_PLACE_CHANGES.incrementAndGet();
  }

  private void checkSameShape(String op, Tensor other) {
    checkArgument(
        Arrays.equals(shape, other.shape),
        "%s: shapes %s and %s differ",
        op,
        Shapes.format(shape),
        Shapes.format(other.shape));
  }

  /** Overwrites this tensor's values with {@code source}'s (same shape). Returns this. */
  public Tensor copyFrom(Tensor source) {
    checkInPlace("copyFrom");
    checkSameShape("copyFrom", source);
    System.arraycopy(source.data, 0, data, 0, numel);
    return this;
  }

  /**
   * Overwrites the values at row-major indices {@code [offset, offset + src.remaining())} with
   * those of {@code src}, advancing its position; an in-place change with the rules of {@link
   * #copyFrom(Tensor)}. See "Bulk access" above. Returns this.
   *
   * @throws IndexOutOfBoundsException if {@code offset} is negative or the range passes {@link
   *     #numel()}; nothing is changed then
   * @throws IllegalStateException if this tensor requires grad and grad mode is on
   */
  public Tensor copyFrom(int offset, FloatBuffer src) {
    checkRange("copyFrom", offset, src.remaining());
    checkInPlace("copyFrom");
    src.get(data, offset, src.remaining());
    return this;
  }

  /** Sets every element to {@code value}. Returns this. */
  public Tensor fillInPlace(float value) {
    checkInPlace("fillInPlace");
    Arrays.fill(data, 0, numel, value);
    return this;
  }

  /** {@code this += alpha * other} (same shape). Returns this. */
  public Tensor addInPlace(Tensor other, float alpha) {
    checkInPlace("addInPlace");
    checkSameShape("addInPlace", other);
    KernelProvider.get().axpy(alpha, other.data, 0, data, 0, numel);
    return this;
  }

  /** {@code this *= factor}. Returns this. */
  public Tensor mulInPlace(float factor) {
    checkInPlace("mulInPlace");
    for (int i = 0; i < numel; i++) {
      data[i] *= factor;
    }
    return this;
  }

  /** {@code this *= other} elementwise (same shape). Returns this. */
  public Tensor mulInPlace(Tensor other) {
    checkInPlace("mulInPlace");
    checkSameShape("mulInPlace", other);
    for (int i = 0; i < numel; i++) {
      data[i] *= other.data[i];
    }
    return this;
  }

  /** {@code this += value * a * b} elementwise (same shapes). Returns this. */
  public Tensor addcmulInPlace(Tensor a, Tensor b, float value) {
    checkInPlace("addcmulInPlace");
    checkSameShape("addcmulInPlace", a);
    checkSameShape("addcmulInPlace", b);
    for (int i = 0; i < numel; i++) {
      data[i] += value * a.data[i] * b.data[i]; // PyTorch's rounding order: (value a) b
    }
    return this;
  }

  /** {@code this += value * a / b} elementwise (same shapes). Returns this. */
  public Tensor addcdivInPlace(Tensor a, Tensor b, float value) {
    checkInPlace("addcdivInPlace");
    checkSameShape("addcdivInPlace", a);
    checkSameShape("addcdivInPlace", b);
    for (int i = 0; i < numel; i++) {
      data[i] += value * a.data[i] / b.data[i]; // (value a) / b, as PyTorch
    }
    return this;
  }

  /** Clamps every element into {@code [min, max]}. Returns this. */
  public Tensor clampInPlace(float min, float max) {
    checkInPlace("clampInPlace");
    for (int i = 0; i < numel; i++) {
      data[i] = Math.min(max, Math.max(min, data[i]));
    }
    return this;
  }

  /**
   * An in-place computation over the flat storage of tensors of one shape; see {@link
   * #updateInPlace}.
   */
  @FunctionalInterface
  public interface StorageUpdate {
    /**
     * Reads and writes the arrays; each holds {@code n} elements from index 0, row-major.
     *
     * @param written the storage of the written tensors, in order (null where a tensor was null)
     * @param read the storage of the read tensors, in order; must not be changed
     * @param n the number of elements of each
     */
    void apply(float[][] written, float[][] read, int n);
  }

  /**
   * Runs {@code update} on the storage of {@code written} and {@code read}, which all have this
   * tensor's shape: the one entry point for fused in-place kernels such as the optimizers' updates,
   * which must not allocate a temporary per operation. {@code written} must include this tensor;
   * null entries pass null arrays (an absent optional buffer). Each written tensor counts as
   * changed in place, exactly as with {@link #addInPlace}: it must not require grad while grad mode
   * is on.
   *
   * @throws IllegalArgumentException if a tensor's shape differs from this one's, or this tensor is
   *     not among {@code written}
   * @throws IllegalStateException if a written tensor requires grad and grad mode is on
   */
  public void updateInPlace(
      String op, List<Tensor> written, List<Tensor> read, StorageUpdate update) {
    checkArgument(
        written.contains(this), "%s: updateInPlace must write the tensor it is called on", op);
    float[][] w = new float[written.size()][];
    float[][] r = new float[read.size()][];
    for (int k = 0; k < w.length; k++) {
      Tensor t = written.get(k);
      if (t != null) {
        checkSameShape(op, t);
        w[k] = t.data;
      }
    }
    for (int k = 0; k < r.length; k++) {
      Tensor t = read.get(k);
      checkSameShape(op, t);
      r[k] = t.data;
    }
    for (Tensor t : written) {
      if (t != null) {
        t.checkInPlace(op);
      }
    }
    update.apply(w, r, numel);
  }

  // ---------------------------------------------------------------- elementwise

  /** {@code this + other}, broadcasting. */
  public Tensor add(Tensor other) {
    return Binary.add(this, other);
  }

  /** {@code this + value}. */
  public Tensor add(float value) {
    return Pointwise.addScalar(this, value);
  }

  /** {@code this - other}, broadcasting. */
  public Tensor sub(Tensor other) {
    return Binary.sub(this, other);
  }

  /** {@code this - value}. */
  public Tensor sub(float value) {
    return Pointwise.addScalar(this, -value);
  }

  /** {@code value - this}. */
  public Tensor rsub(float value) {
    return Pointwise.rsub(this, value);
  }

  /** {@code this * other}, broadcasting. */
  public Tensor mul(Tensor other) {
    return Binary.mul(this, other);
  }

  /** {@code this * value}. */
  public Tensor mul(float value) {
    return Pointwise.mulScalar(this, value);
  }

  /** {@code this / other}, broadcasting. */
  public Tensor div(Tensor other) {
    return Binary.div(this, other);
  }

  /** {@code this / value}. */
  public Tensor div(float value) {
    return Pointwise.divScalar(this, value);
  }

  /** {@code value / this}. */
  public Tensor rdiv(float value) {
    return Pointwise.rdiv(this, value);
  }

  /** {@code this ^ exponent}, broadcasting; the gradient to the exponent needs a positive base. */
  public Tensor pow(Tensor exponent) {
    return Binary.pow(this, exponent);
  }

  /** {@code this ^ exponent}. */
  public Tensor pow(float exponent) {
    return Pointwise.pow(this, exponent);
  }

  /** {@code this * this}. */
  public Tensor square() {
    return Binary.mul(this, this);
  }

  /** Elementwise maximum, broadcasting; at ties the gradient is split evenly. */
  public Tensor maximum(Tensor other) {
    return Binary.maximum(this, other);
  }

  /** Elementwise minimum, broadcasting; at ties the gradient is split evenly. */
  public Tensor minimum(Tensor other) {
    return Binary.minimum(this, other);
  }

  /** {@code -this}. */
  public Tensor neg() {
    return Pointwise.apply(Pointwise.Fn.NEG, this);
  }

  /** {@code e^this}. */
  public Tensor exp() {
    return Pointwise.apply(Pointwise.Fn.EXP, this);
  }

  /** Natural logarithm. */
  public Tensor log() {
    return Pointwise.apply(Pointwise.Fn.LOG, this);
  }

  /** Square root. */
  public Tensor sqrt() {
    return Pointwise.apply(Pointwise.Fn.SQRT, this);
  }

  /** Absolute value; the gradient at 0 is 0, as in PyTorch. */
  public Tensor abs() {
    return Pointwise.apply(Pointwise.Fn.ABS, this);
  }

  /** Hyperbolic tangent. */
  public Tensor tanh() {
    return Pointwise.apply(Pointwise.Fn.TANH, this);
  }

  /** Logistic sigmoid {@code 1 / (1 + e^-x)}. */
  public Tensor sigmoid() {
    return Pointwise.apply(Pointwise.Fn.SIGMOID, this);
  }

  /** {@code max(x, 0)}; the gradient at 0 is 0. */
  public Tensor relu() {
    return Pointwise.apply(Pointwise.Fn.RELU, this);
  }

  /** {@code x} for positive x, {@code slope * x} otherwise. */
  public Tensor leakyRelu(float slope) {
    return Pointwise.leakyRelu(this, slope);
  }

  /** GELU with the exact normal distribution, {@code x * Phi(x)} (PyTorch's default). */
  public Tensor gelu() {
    return Pointwise.apply(Pointwise.Fn.GELU, this);
  }

  /** {@code log(1 + e^x)}, computed stably. */
  public Tensor softplus() {
    return Pointwise.apply(Pointwise.Fn.SOFTPLUS, this);
  }

  /** The error function. */
  public Tensor erf() {
    return Pointwise.apply(Pointwise.Fn.ERF, this);
  }

  /** Sine. */
  public Tensor sin() {
    return Pointwise.apply(Pointwise.Fn.SIN, this);
  }

  /** Cosine. */
  public Tensor cos() {
    return Pointwise.apply(Pointwise.Fn.COS, this);
  }

  /** The sign, -1, 0 or 1; not differentiable (its gradient is zero). */
  public Tensor sign() {
    Tensor y = Pointwise.constant(UnaryOp.SIGN, this);
    // recorded, as in PyTorch, so a graph through sign() backpropagates zeros instead of failing
    return Node.record("sign", y, (g, needs) -> new Tensor[] {Tensor.zeros(shape)}, this);
  }

  /**
   * Clamps into {@code [min, max]}; the gradient is passed where {@code min <= x <= max}, as in
   * PyTorch.
   */
  public Tensor clamp(float min, float max) {
    return Pointwise.clamp(this, min, max);
  }

  /** 1 where {@code this > other}, else 0 (broadcasting); not differentiable. */
  public Tensor gt(Tensor other) {
    return Binary.compare("gt", BinaryOp.GT, this, other, false);
  }

  /** 1 where {@code this > value}, else 0. */
  public Tensor gt(float value) {
    return gt(scalar(value));
  }

  /** 1 where {@code this < other}, else 0 (broadcasting); not differentiable. */
  public Tensor lt(Tensor other) {
    return Binary.compare("lt", BinaryOp.GT, this, other, true);
  }

  /** 1 where {@code this < value}, else 0. */
  public Tensor lt(float value) {
    return lt(scalar(value));
  }

  /** 1 where {@code this >= other}, else 0 (broadcasting); not differentiable. */
  public Tensor ge(Tensor other) {
    return Binary.compare("ge", BinaryOp.GE, this, other, false);
  }

  /** 1 where {@code this <= other}, else 0 (broadcasting); not differentiable. */
  public Tensor le(Tensor other) {
    return Binary.compare("le", BinaryOp.GE, this, other, true);
  }

  /** 1 where {@code this == other}, else 0 (broadcasting); not differentiable. */
  public Tensor eq(Tensor other) {
    return Binary.compare("eq", BinaryOp.EQ, this, other, false);
  }

  /**
   * Picks {@code a} where {@code mask} is non-zero and {@code b} elsewhere, broadcasting all three;
   * the mask is not differentiated, and the branch not taken gets a gradient of exactly 0 (even
   * where the incoming gradient is infinite), as in PyTorch.
   */
  public static Tensor where(Tensor mask, Tensor a, Tensor b) {
    return Binary.where(mask, a, b);
  }

  // ---------------------------------------------------------------- reductions

  /** Sum of all elements, as a scalar. */
  public Tensor sum() {
    return Reductions.sum(this);
  }

  /** Sum over {@code dim}. */
  public Tensor sum(int dim, boolean keepDim) {
    return Reductions.sum(this, dim, keepDim);
  }

  /** Mean of all elements, as a scalar; NaN for an empty tensor, as in PyTorch. */
  public Tensor mean() {
    return Reductions.mean(this);
  }

  /** Mean over {@code dim}. */
  public Tensor mean(int dim, boolean keepDim) {
    return Reductions.mean(this, dim, keepDim);
  }

  /** Maximum of all elements; at ties the gradient is split evenly among them. */
  public Tensor max() {
    return Reductions.extreme(this, true);
  }

  /** Maximum over {@code dim}; the gradient goes to the first maximal element, as in PyTorch. */
  public Tensor max(int dim, boolean keepDim) {
    return Reductions.extreme(this, dim, keepDim, true);
  }

  /** Minimum of all elements; at ties the gradient is split evenly among them. */
  public Tensor min() {
    return Reductions.extreme(this, false);
  }

  /** Minimum over {@code dim}; the gradient goes to the first minimal element. */
  public Tensor min(int dim, boolean keepDim) {
    return Reductions.extreme(this, dim, keepDim, false);
  }

  /** Index of the first maximum over {@code dim}, as integral float values; not differentiable. */
  public Tensor argmax(int dim, boolean keepDim) {
    return Reductions.argExtreme(this, dim, keepDim, true);
  }

  /** Index of the first minimum over {@code dim}, as integral float values; not differentiable. */
  public Tensor argmin(int dim, boolean keepDim) {
    return Reductions.argExtreme(this, dim, keepDim, false);
  }

  /** {@code log(sum(exp(x)))} over all elements, computed stably. */
  public Tensor logSumExp() {
    return Reductions.logSumExp(this.reshape(-1), 0, false);
  }

  /** {@code log(sum(exp(x)))} over {@code dim}, computed stably. */
  public Tensor logSumExp(int dim, boolean keepDim) {
    return Reductions.logSumExp(this, dim, keepDim);
  }

  /** Unbiased variance (divides by n - 1) of all elements, as PyTorch's default. */
  public Tensor var() {
    return Reductions.var(this.reshape(-1), 0, true, false);
  }

  /** Variance over {@code dim}; {@code unbiased} divides by n - 1, otherwise by n. */
  public Tensor var(int dim, boolean unbiased, boolean keepDim) {
    return Reductions.var(this, dim, unbiased, keepDim);
  }

  // ---------------------------------------------------------------- shape

  /** The same values in a new shape; one size may be -1 and is inferred. Shares storage. */
  public Tensor reshape(int... newShape) {
    return ShapeOps.reshape(this, newShape);
  }

  /** Same as {@link #reshape}: every tensor is contiguous, so a view always exists. */
  public Tensor view(int... newShape) {
    return ShapeOps.reshape(this, newShape);
  }

  /** Flattens to one dimension. */
  public Tensor flatten() {
    return ShapeOps.reshape(this, -1);
  }

  /** Swaps two dimensions. */
  public Tensor transpose(int dim0, int dim1) {
    return ShapeOps.transpose(this, dim0, dim1);
  }

  /** Transpose of a matrix (a 1-D tensor is returned as is). */
  public Tensor t() {
    checkArgument(
        dim() <= 2, "t: expects at most 2 dimensions, got shape %s", Shapes.format(shape));
    return dim() < 2 ? this : transpose(0, 1);
  }

  /** Reorders the dimensions: output dimension i is input dimension {@code dims[i]}. */
  public Tensor permute(int... dims) {
    return ShapeOps.permute(this, dims);
  }

  /** Removes every dimension of size 1. */
  public Tensor squeeze() {
    return ShapeOps.squeeze(this);
  }

  /** Removes {@code dim} if its size is 1; otherwise returns this tensor unchanged. */
  public Tensor squeeze(int dim) {
    return ShapeOps.squeeze(this, dim);
  }

  /** Inserts a dimension of size 1 at {@code dim} (which may equal the rank). */
  public Tensor unsqueeze(int dim) {
    return ShapeOps.unsqueeze(this, dim);
  }

  /**
   * Broadcasts to {@code newShape} (sizes of 1 repeat; -1 keeps a size; new leading dimensions may
   * be added). The gradient sums back.
   */
  public Tensor expand(int... newShape) {
    return ShapeOps.expand(this, newShape);
  }

  /**
   * Elements {@code start .. start + length - 1} along {@code dim}; a negative {@code start} counts
   * from the end, as in PyTorch.
   */
  public Tensor narrow(int dim, int start, int length) {
    return ShapeOps.narrow(this, dim, start, length);
  }

  /**
   * Elements {@code start, start + step, ...} before {@code end} along {@code dim}; negative {@code
   * start} and {@code end} count from the end and are clipped like Python slices.
   */
  public Tensor slice(int dim, int start, int end, int step) {
    return ShapeOps.slice(this, dim, start, end, step);
  }

  /** Concatenates along an existing dimension. */
  public static Tensor cat(List<Tensor> tensors, int dim) {
    return ShapeOps.cat(tensors, dim);
  }

  /** Stacks equally shaped tensors along a new dimension. */
  public static Tensor stack(List<Tensor> tensors, int dim) {
    return ShapeOps.stack(tensors, dim);
  }

  /** Splits into pieces of {@code size} along {@code dim} (the last may be smaller). */
  public List<Tensor> split(int size, int dim) {
    return ShapeOps.split(this, size, dim);
  }

  /** Splits into pieces of the given sizes along {@code dim}; the sizes must add up. */
  public List<Tensor> split(int[] sizes, int dim) {
    return ShapeOps.split(this, sizes, dim);
  }

  /** Splits into {@code chunks} nearly equal pieces along {@code dim}, as PyTorch's chunk. */
  public List<Tensor> chunk(int chunks, int dim) {
    return ShapeOps.chunk(this, chunks, dim);
  }

  /** Sums a broadcast tensor back to {@code targetShape} (the inverse of {@link #expand}). */
  public Tensor sumToShape(int... targetShape) {
    return ShapeOps.sumToShape(this, targetShape);
  }

  // ---------------------------------------------------------------- indexing

  /** Selects entries {@code indices} along {@code dim}; indices may repeat. */
  public Tensor indexSelect(int dim, int... indices) {
    return Indexing.indexSelect(this, dim, indices);
  }

  /**
   * Gathers along {@code dim}: {@code out[i][j][k] = this[index[i][j][k]][j][k]} for dim 0, and so
   * on. {@code index} holds integral values and has this tensor's rank.
   */
  public Tensor gather(int dim, Tensor index) {
    return Indexing.gather(this, dim, index);
  }

  /**
   * The one-hot encoding of class indices: shape {@code [indices.length, numClasses]}; not
   * differentiable.
   */
  public static Tensor oneHot(int[] indices, int numClasses) {
    return Indexing.oneHot(indices, numClasses);
  }

  // ---------------------------------------------------------------- linear algebra

  /**
   * Matrix product with PyTorch's rules: 1-D · 1-D is a dot product, a 1-D operand is promoted to a
   * matrix and the added dimension removed afterwards, and inputs of 3 or more dimensions are
   * batches of matrices whose batch dimensions broadcast.
   */
  public Tensor matmul(Tensor other) {
    return LinearAlgebra.matmul(this, other);
  }

  /** Dot product of two 1-D tensors of equal length, as a scalar. */
  public Tensor dot(Tensor other) {
    return LinearAlgebra.dot(this, other);
  }

  // ---------------------------------------------------------------- neural

  /** Softmax over {@code dim}. */
  public Tensor softmax(int dim) {
    return Functional.softmax(this, dim);
  }

  /** Log of the softmax over {@code dim}, computed stably. */
  public Tensor logSoftmax(int dim) {
    return Functional.logSoftmax(this, dim);
  }
}
