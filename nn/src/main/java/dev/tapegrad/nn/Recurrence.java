package dev.tapegrad.nn;

import static com.google.common.base.Preconditions.checkArgument;

import dev.tapegrad.autograd.Autograd;
import dev.tapegrad.autograd.Function;
import dev.tapegrad.autograd.Functional;
import dev.tapegrad.autograd.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.random.RandomGenerator;

/** Pieces shared by the recurrent cells and sequence layers. Internal. */
final class Recurrence {
  private Recurrence() {}

  /**
   * Registers a recurrent cell's parameters on {@code module} in PyTorch's order and layout: {@code
   * weight_ih} {@code [rows, in]}, {@code weight_hh} {@code [rows, H]} and, with {@code bias},
   * {@code bias_ih} and {@code bias_hh} {@code [rows]}, names ending in {@code suffix}; all drawn
   * from {@code U(-1/sqrt(H), 1/sqrt(H))} in that order. Returns them in that order (null biases
   * without {@code bias}).
   */
  static Tensor[] registerCellParameters(
      Block module,
      String suffix,
      int rows,
      int in,
      int hiddenSize,
      boolean bias,
      RandomGenerator random) {
    Tensor[] p = new Tensor[4];
    p[0] =
        module.registerParameter(
            "weight_ih" + suffix, uniformParameter(random, hiddenSize, rows, in));
    p[1] =
        module.registerParameter(
            "weight_hh" + suffix, uniformParameter(random, hiddenSize, rows, hiddenSize));
    if (bias) {
      p[2] =
          module.registerParameter("bias_ih" + suffix, uniformParameter(random, hiddenSize, rows));
      p[3] =
          module.registerParameter("bias_hh" + suffix, uniformParameter(random, hiddenSize, rows));
    }
    return p;
  }

  /**
   * A parameter of the given shape drawn from {@code U(-k, k)} with {@code k = 1/sqrt(hidden)},
   * PyTorch's default for every recurrent weight and bias. Draws element by element in row-major
   * order with {@code nextDouble()}, the same draws as {@code Init.uniform}, so the seed convention
   * documented there holds.
   */
  static Tensor uniformParameter(RandomGenerator random, int hiddenSize, int... shape) {
    double k = 1 / Math.sqrt(hiddenSize);
    return Init.uniform(Tensor.zeros(shape), -k, k, random);
  }

  /**
   * Splits {@code x} along dimension 0 into its {@code size(0)} slices (the dimension removed).
   *
   * <p>Performance note: the backward of one {@code narrow} writes a gradient as large as its
   * input. Slicing a [T, ...] tensor into T pieces directly would therefore cost O(T²) in the
   * backward pass; halving recursively costs O(T log T) instead. Without a graph to record the
   * slices are cut directly.
   */
  static List<Tensor> unbind(Tensor x) {
    int n = x.size(0);
    int[] rest = Arrays.copyOfRange(x.shape(), 1, x.dim());
    List<Tensor> out = new ArrayList<>(n);
    if (!x.requiresGrad() || !Autograd.isGradEnabled()) {
      for (int i = 0; i < n; i++) {
        out.add(x.narrow(0, i, 1).reshape(rest));
      }
      return out;
    }
    halve(x, rest, out);
    return out;
  }

  private static void halve(Tensor x, int[] rest, List<Tensor> out) {
    int n = x.size(0);
    if (n == 1) {
      out.add(x.reshape(rest));
      return;
    }
    int mid = n / 2;
    halve(x.narrow(0, 0, mid), rest, out);
    halve(x.narrow(0, mid, n - mid), rest, out);
  }

  /** {@code x Wᵀ (+ bias)} for x of shape [rows, in] and W of shape [out, in]. */
  static Tensor project(Tensor x, Tensor weight, Tensor bias) {
    return Functional.linear(x, weight, bias);
  }

  /** The sum of two optional biases, or null if both are absent. */
  static Tensor sumOfBiases(Tensor a, Tensor b) {
    if (a == null) {
      return b;
    }
    return b == null ? a : a.add(b);
  }

  /**
   * Checks a cell's input, {@code [batch, inputSize]} or {@code [inputSize]}, and returns it as a
   * matrix (an unbatched input gets a batch dimension of 1).
   */
  static Tensor cellInput(String cell, Tensor input, int inputSize) {
    checkArgument(input != null, "%s: input must not be null", cell);
    int[] shape = input.shape();
    if ((shape.length != 1 && shape.length != 2) || shape[shape.length - 1] != inputSize) {
      throw new IllegalArgumentException(
          String.format(
              "%s: input must be [batch, %d] or [%d] (unbatched), got %s",
              cell, inputSize, inputSize, format(shape)));
    }
    return shape.length == 2 ? input : input.unsqueeze(0);
  }

  /**
   * Checks a cell's state {@code name} against the (original) input: {@code [batch, size]} for a
   * batched input, {@code [size]} for an unbatched one. Returns it as a matrix; zeros when null.
   */
  static Tensor cellState(String cell, String name, Tensor state, Tensor input, int size) {
    int batch = input.dim() == 2 ? input.size(0) : 1;
    if (state == null) {
      return Tensor.zeros(batch, size);
    }
    int[] expected = input.dim() == 2 ? new int[] {batch, size} : new int[] {size};
    if (!state.hasShape(expected)) {
      throw new IllegalArgumentException(
          String.format(
              "%s: %s has shape %s but input %s needs %s",
              cell, name, format(state.shape()), format(input.shape()), format(expected)));
    }
    return input.dim() == 2 ? state : state.unsqueeze(0);
  }

  /** Undoes the batch dimension added to an unbatched input. */
  static Tensor cellOutput(Tensor result, Tensor input) {
    return input.dim() == 2 ? result : result.squeeze(0);
  }

  /** A fused node's output computed from its inputs with composed ops. */
  @FunctionalInterface
  interface Composed {
    Tensor apply(Tensor... inputs);
  }

  /**
   * A fused node's backward while a graph of the backward is recorded ({@code createGraph}): the
   * gradients of the node's output recomputed as composed ops ({@code composed} of the node's
   * inputs {@code in}), for the inputs that need one, themselves recorded so that they can be
   * differentiated again. The engine runs a backward with grad mode on exactly when createGraph was
   * asked.
   *
   * <p>The composed ops read each input through a {@link Cut}, so the inner backward pass stops at
   * the node's own inputs: it yields this node's local vector-Jacobian product only, not the
   * gradient through the inputs' history (a cell's state depends on the weights it reads), and
   * costs one composed pass however deep the graph above is.
   */
  static Tensor[] composedGradients(
      Function.Context ctx, Tensor[] in, Composed composed, Tensor gradOutput) {
    Cut cut = new Cut();
    Tensor[] standIns = in.clone();
    List<Tensor> wrt = new ArrayList<>();
    List<Integer> positions = new ArrayList<>();
    for (int i = 0; i < in.length; i++) {
      if (ctx.needsInputGrad(i)) {
        standIns[i] = cut.apply(in[i]);
        wrt.add(standIns[i]);
        positions.add(i);
      }
    }
    Tensor[] grads = new Tensor[in.length];
    if (wrt.isEmpty()) {
      return grads;
    }
    List<Tensor> computed;
    cut.active = true;
    try {
      computed = Autograd.grad(List.of(composed.apply(standIns)), wrt, List.of(gradOutput), true);
    } finally {
      cut.active = false;
    }
    for (int j = 0; j < computed.size(); j++) {
      grads[positions.get(j)] = computed.get(j);
    }
    return grads;
  }

  /**
   * The identity, whose backward passes nothing on while {@link #active}: the inner pass of {@link
   * #composedGradients} ends there. Outside it, the gradient passes through unchanged, so higher
   * derivatives reach the inputs.
   */
  private static final class Cut extends Function {
    boolean active;

    @Override
    protected Tensor forward(Context ctx, Tensor... inputs) {
      return Tensor.of(inputs[0].toFloatArray(), inputs[0].shape());
    }

    @Override
    protected Tensor[] backward(Context ctx, Tensor gradOutput) {
      return new Tensor[] {active ? null : gradOutput};
    }
  }

  /** The {@code count} tensors a fused node saved: its inputs. */
  static Tensor[] savedInputs(Function.Context ctx, int count) {
    Tensor[] in = new Tensor[count];
    for (int i = 0; i < count; i++) {
      in[i] = ctx.saved(i);
    }
    return in;
  }

  /** A shape for error messages. */
  static String format(int... shape) {
    return Arrays.toString(shape);
  }
}
