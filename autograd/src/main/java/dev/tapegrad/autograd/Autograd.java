package dev.tapegrad.autograd;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.Arrays;
import java.util.List;

/**
 * Global controls of the tape: grad mode, {@link #grad functional gradients} and anomaly detection.
 *
 * <p>Grad mode is per thread, like PyTorch's: a model can be trained on one thread while another
 * thread evaluates under {@link #noGrad()}; a scope is closed on the thread that opened it (another
 * thread's {@code close()} is refused). Anomaly detection is a process-wide debugging switch. What
 * may be shared between threads is set out in {@link Tensor}'s class notes.
 */
public final class Autograd {
  private static final ThreadLocal<boolean[]> GRAD_ENABLED =
      ThreadLocal.withInitial(() -> new boolean[] {true});
  private static volatile boolean anomaly;

  private Autograd() {}

  /**
   * A scope that restores the previous grad mode when closed. Grad mode belongs to a thread, so the
   * scope must be closed on the thread that opened it; closing it twice does nothing.
   */
  public static final class GradMode implements AutoCloseable {
    private final boolean previous;
    private final Thread owner = Thread.currentThread();
    private boolean closed;

    private GradMode(boolean previous) {
      this.previous = previous;
    }

    /**
     * Restores the grad mode from before this scope.
     *
     * @throws IllegalStateException on a thread other than the one that opened the scope, which
     *     would otherwise change the wrong thread's mode
     */
    @Override
    public void close() {
      Thread current = Thread.currentThread();
      if (current != owner) {
        throw new IllegalStateException(
            "Autograd: a grad-mode scope opened on thread '"
                + owner.getName()
                + "' cannot be closed on thread '"
                + current.getName()
                + "'; grad mode is per thread, so close the scope where it was opened");
      }
      if (!closed) {
        closed = true;
        GRAD_ENABLED.get()[0] = previous;
      }
    }
  }

  /**
   * Turns recording off until the returned scope is closed: {@code try (var s = Autograd.noGrad())
   * { ... }}. Tensors computed inside do not require grad.
   */
  public static GradMode noGrad() {
    return setGradEnabled(false);
  }

  /** Turns recording on until the returned scope is closed, even inside a {@link #noGrad()}. */
  public static GradMode enableGrad() {
    return setGradEnabled(true);
  }

  /** Sets grad mode for this thread until the returned scope is closed. */
  public static GradMode setGradEnabled(boolean enabled) {
    boolean[] flag = GRAD_ENABLED.get();
    GradMode mode = new GradMode(flag[0]);
    flag[0] = enabled;
    return mode;
  }

  /** Whether ops on this thread are recorded. */
  public static boolean isGradEnabled() {
    return GRAD_ENABLED.get()[0];
  }

  /**
   * Turns anomaly detection on or off. When on, the first op whose forward result or backward
   * gradient contains NaN or infinity throws an {@link ArithmeticException} naming the op. It costs
   * a scan of every result, so it is meant for debugging.
   */
  public static void detectAnomaly(boolean enabled) {
    anomaly = enabled;
  }

  /** Whether anomaly detection is on. */
  public static boolean anomalyDetection() {
    return anomaly;
  }

  /**
   * Computes gradients of {@code outputs} with respect to {@code inputs} without touching any
   * tensor's {@code grad()}.
   *
   * <p>Each result has its input's shape; an input the outputs do not depend on gets a tensor of
   * zeros. With {@code createGraph} the backward computation is recorded, so the results can be
   * differentiated again (second derivatives, Hessian-vector products, gradient penalties); the
   * graph is then kept, as if {@code retainGraph} were true.
   *
   * @param gradOutputs one per output, or null to use ones for scalar outputs
   */
  public static List<Tensor> grad(
      List<Tensor> outputs, List<Tensor> inputs, List<Tensor> gradOutputs, boolean createGraph) {
    return grad(outputs, inputs, gradOutputs, createGraph, createGraph);
  }

  /** As {@link #grad(List, List, List, boolean)}, choosing whether the graph is kept. */
  public static List<Tensor> grad(
      List<Tensor> outputs,
      List<Tensor> inputs,
      List<Tensor> gradOutputs,
      boolean createGraph,
      boolean retainGraph) {
    checkArgument(!outputs.isEmpty(), "grad: no outputs given");
    checkArgument(!inputs.isEmpty(), "grad: no inputs given");
    Tensor[] outs = outputs.toArray(new Tensor[0]);
    Tensor[] gradOuts = defaultGradOutputs("grad", outs, gradOutputs);
    Tensor[] ins = inputs.toArray(new Tensor[0]);
    for (int i = 0; i < ins.length; i++) {
      checkArgument(
          ins[i].requiresGrad(),
          "grad: input %s (shape %s) does not require grad",
          i,
          Shapes.format(ins[i].shapeRef()));
    }
    boolean anyGraph = false;
    for (Tensor out : outs) {
      anyGraph |= out.requiresGrad();
    }
    checkArgument(anyGraph, "grad: no output requires grad; was it computed under noGrad()?");
    Tensor[] result = Engine.run(outs, gradOuts, ins, retainGraph, createGraph);
    for (int i = 0; i < result.length; i++) {
      if (result[i] == null) {
        result[i] = Tensor.zeros(ins[i].shapeRef());
      }
    }
    return List.of(result);
  }

  /** Convenience for one scalar output: {@code d output / d inputs}. */
  public static List<Tensor> grad(Tensor output, List<Tensor> inputs, boolean createGraph) {
    return grad(List.of(output), inputs, null, createGraph);
  }

  static Tensor[] defaultGradOutputs(String op, Tensor[] outs, List<Tensor> gradOutputs) {
    Tensor[] result = new Tensor[outs.length];
    if (gradOutputs != null) {
      checkArgument(
          gradOutputs.size() == outs.length,
          "%s: %s outputs but %s gradOutputs",
          op,
          outs.length,
          gradOutputs.size());
    }
    for (int i = 0; i < outs.length; i++) {
      Tensor g = gradOutputs == null ? null : gradOutputs.get(i);
      if (g == null) {
        checkArgument(
            outs[i].numel() == 1,
            "%s: output %s has shape %s; a gradOutput is needed for a non-scalar output",
            op,
            i,
            Shapes.format(outs[i].shapeRef()));
        g = Tensor.ones(outs[i].shapeRef());
      } else {
        checkArgument(
            Arrays.equals(g.shapeRef(), outs[i].shapeRef()),
            "%s: gradOutput shape %s does not match output shape %s",
            op,
            Shapes.format(g.shapeRef()),
            Shapes.format(outs[i].shapeRef()));
      }
      result[i] = g;
    }
    return result;
  }
}
