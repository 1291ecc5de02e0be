package dev.tapegrad.autograd;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A user-defined differentiable operation, like {@code torch.autograd.Function}: subclass it, give
 * the forward computation and its backward, and call {@link #apply}.
 *
 * <pre>{@code
 * final class Softplus extends Function {
 *   protected Tensor forward(Context ctx, Tensor... in) {
 *     ctx.saveForBackward(in[0]);
 *     return in[0].softplus();
 *   }
 *   protected Tensor[] backward(Context ctx, Tensor gradOutput) {
 *     Tensor x = ctx.saved(0);
 *     return new Tensor[] {gradOutput.mul(x.sigmoid())};
 *   }
 * }
 * Tensor y = new Softplus().apply(x);
 * }</pre>
 *
 * <p>{@code forward} runs with recording off, so it may use any ops (or raw arrays through {@link
 * Tensor#toFloatArray()} and {@link Tensor#of}). {@code backward} should use tensor ops on the
 * saved inputs: then, under {@code createGraph}, the backward is recorded and second derivatives
 * work. Check a new function with {@link GradCheck}.
 *
 * <p>One instance may be applied many times; each call gets its own {@link Context}.
 */
public abstract class Function {

  /** Per-call storage shared by {@code forward} and {@code backward}. */
  public static final class Context {
    private final List<Tensor> saved = new ArrayList<>();
    private final Map<String, Object> values = new HashMap<>();
    private boolean[] needsInputGrad;
    private Tensor rawOutput;
    private Tensor output;

    Context() {}

    /** Keeps tensors (inputs or the output) for backward. */
    public void saveForBackward(Tensor... tensors) {
      saved.addAll(Arrays.asList(tensors));
    }

    /** The {@code i}-th saved tensor; the forward's output is returned as recorded. */
    public Tensor saved(int i) {
      checkArgument(
          i >= 0 && i < saved.size(), "saved: index %s but %s tensors saved", i, saved.size());
      Tensor t = saved.get(i);
      return t == rawOutput && output != null ? output : t;
    }

    /** Keeps any other value (a shape, a mask, a flag) for backward. */
    public void put(String key, Object value) {
      values.put(key, value);
    }

    /** A value kept with {@link #put}. */
    @SuppressWarnings("unchecked")
    public <T> T get(String key) {
      return (T) values.get(key);
    }

    /** During backward: whether input {@code i} needs a gradient (others may be null). */
    public boolean needsInputGrad(int i) {
      return needsInputGrad != null && needsInputGrad[i];
    }
  }

  /** The name the tape records for this function; the class name by default. */
  public String name() {
    String simple = getClass().getSimpleName();
    return simple.isEmpty() ? "Function" : simple;
  }

  /** Computes the output; runs with recording off. */
  protected abstract Tensor forward(Context ctx, Tensor... inputs);

  /**
   * Returns one gradient per input (null for an input that needs none), each of its input's shape
   * or broadcastable to it.
   */
  protected abstract Tensor[] backward(Context ctx, Tensor gradOutput);

  /** Runs forward and, if any input requires grad, records the backward on the tape. */
  public final Tensor apply(Tensor... inputs) {
    Context ctx = new Context();
    Tensor result;
    try (var scope = Autograd.noGrad();
        var untraced = Trace.hide()) {
      result = forward(ctx, inputs);
    }
    checkArgument(result != null, "%s: forward returned null", name());
    Tensor out = result;
    boolean resultIsInput = false;
    for (Tensor input : inputs) {
      if (input == result) {
        resultIsInput = true;
        out = new Tensor(result.toFloatArray(), result.shape());
        break;
      }
    }
    if (out == result && !result.isLeaf()) {
      out = new Tensor(result.data, result.shape());
    }
    // A saved tensor that is the forward's result stands for the recorded output, unless the
    // forward returned one of its inputs: then a saved input must stay the input.
    ctx.rawOutput = resultIsInput ? null : result;
    String op = name();
    if (Trace.active()) Trace.next("function", getClass().getName());
    Tensor recorded =
        Node.record(
            op,
            out,
            (g, needs) -> {
              ctx.needsInputGrad = needs.clone(); // the engine reuses its array
              Tensor[] grads = backward(ctx, g);
              if (grads == null || grads.length != inputs.length) {
                throw new IllegalStateException(
                    String.format(
                        "%s: backward returned %s gradients for %d inputs",
                        op, grads == null ? "null instead of" : grads.length, inputs.length));
              }
              for (int i = 0; i < grads.length; i++) {
                if (grads[i] != null) {
                  int[] want = inputs[i].shapeRef();
                  int[] got = grads[i].shapeRef();
                  if (!Arrays.equals(want, got)) {
                    try {
                      checkArgument(Arrays.equals(Shapes.broadcast(op, got, want), got));
                    } catch (IllegalArgumentException e) {
                      throw new IllegalStateException(
                          String.format(
                              "%s: backward gave a gradient of shape %s for input %d of shape %s",
                              op, Shapes.format(got), i, Shapes.format(want)));
                    }
                  }
                }
              }
              return grads;
            },
            inputs);
    ctx.output = recorded;
    return recorded;
  }
}
