package dev.tapegrad.autograd;

/**
 * Test-only window on the tape, for optim's tests: every recorded node takes the next number of a
 * global sequence, so recording a node before and after an action shows whether the action
 * recorded anything in between. Tests run on one thread, so nothing else records meanwhile.
 */
public final class TapeProbe {
  private TapeProbe() {}

  /** The number of nodes recorded on the tape while {@code action} ran. */
  public static long nodesRecordedDuring(Runnable action) {
    long before = mark();
    action.run();
    return mark() - before - 1;
  }

  private static long mark() {
    try (var scope = Autograd.enableGrad()) {
      Tensor x = Tensor.scalar(1f).requiresGrad(true);
      return x.mul(2f).gradFn().sequence;
    }
  }
}
