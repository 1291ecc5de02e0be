package dev.tapegrad.autograd;

/** Checks behind {@link Autograd#detectAnomaly}: the first non-finite value names its op. */
final class Anomaly {
  /** How many backward functions are running on this thread. */
  private static final ThreadLocal<int[]> BACKWARD_DEPTH =
      ThreadLocal.withInitial(() -> new int[1]);

  private Anomaly() {}

  /**
   * Runs a node's backward with the forward checks off, as PyTorch does: what a backward returns is
   * checked by {@link #checkBackward}, which names the op being differentiated ({@code sqrt}), not
   * an op inside its formula ({@code div}); and a non-finite intermediate the formula masks out
   * (the {@code log(0)} in pow's backward) is no anomaly.
   */
  static Tensor[] runBackward(Backward backward, Tensor gradOutput, boolean[] needs) {
    int[] depth = BACKWARD_DEPTH.get();
    depth[0]++;
    try {
      return backward.apply(gradOutput, needs);
    } finally {
      depth[0]--;
    }
  }

  /**
   * Throws if {@code output} holds a non-finite value its inputs did not bring: a NaN where no
   * input holds a NaN, or an infinity where every input is finite. An input that legitimately holds
   * -inf (an attention mask) therefore does not hide a NaN made from it.
   */
  static void checkForward(String op, Tensor output, Tensor[] inputs) {
    if (BACKWARD_DEPTH.get()[0] > 0) {
      return;
    }
    int bad = firstNonFinite(output);
    if (bad < 0) {
      return;
    }
    boolean inputNaN = false;
    boolean inputNonFinite = false;
    for (Tensor input : inputs) {
      if (input != null && firstNonFinite(input) >= 0) {
        inputNonFinite = true;
        inputNaN |= firstNaN(input) >= 0;
      }
    }
    int nan = firstNaN(output);
    if (nan >= 0 && !inputNaN) {
      bad = nan;
    } else if (inputNonFinite) {
      return; // the anomaly came in with an input; the op that made it has already thrown
    }
    throw new ArithmeticException(
        String.format(
            "anomaly: %s produced %s at flat index %d of its output %s",
            op, output.flatGet(bad), bad, Shapes.format(output.shapeRef())));
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

  private static int firstNaN(Tensor t) {
    int n = t.numel();
    for (int i = 0; i < n; i++) {
      if (Float.isNaN(t.flatGet(i))) {
        return i;
      }
    }
    return -1;
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
