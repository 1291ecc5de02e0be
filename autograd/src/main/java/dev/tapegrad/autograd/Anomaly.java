package dev.tapegrad.autograd;

/** Checks behind {@link Autograd#detectAnomaly}: the first non-finite value names its op. */
final class Anomaly {
  /** The op whose backward is running on this thread, so that ops inside it are blamed on it. */
  private static final ThreadLocal<String> BACKWARD_OF = new ThreadLocal<>();

  private Anomaly() {}

  /**
   * Runs a node's backward. A backward is made of ops whose own forward checks would otherwise
   * name an internal op ({@code div}) instead of the op being differentiated ({@code sqrt}).
   */
  static Tensor[] runBackward(String op, Backward backward, Tensor gradOutput, boolean[] needs) {
    String outer = BACKWARD_OF.get();
    BACKWARD_OF.set(op);
    try {
      return backward.apply(gradOutput, needs);
    } finally {
      BACKWARD_OF.set(outer);
    }
  }

  static void checkForward(String op, Tensor output, Tensor[] inputs) {
    int bad = firstNonFinite(output);
    if (bad < 0) {
      return;
    }
    for (Tensor input : inputs) {
      if (input != null && firstNonFinite(input) >= 0) {
        return; // the anomaly came in with an input; the op that made it has already thrown
      }
    }
    String inBackward = BACKWARD_OF.get();
    String where = inBackward == null ? op : "backward of " + inBackward + " (in its " + op + ")";
    throw new ArithmeticException(
        String.format(
            "anomaly: %s produced %s at flat index %d of its output %s",
            where, output.flatGet(bad), bad, Shapes.format(output.shapeRef())));
  }

  static void checkBackward(String op, int input, Tensor grad) {
    int bad = firstNonFinite(grad);
    if (bad >= 0) {
      throw new ArithmeticException(
          String.format(
              "anomaly: backward of %s produced %s at flat index %d of the gradient of input %d %s",
              op, grad.flatGet(bad), bad, input, Shapes.format(grad.shapeRef())));
    }
  }

  private static int firstNonFinite(Tensor t) {
    int n = t.numel();
    for (int i = 0; i < n; i++) {
      if (!Float.isFinite(t.flatGet(i))) {
        return i;
      }
    }
    return -1;
  }
}
