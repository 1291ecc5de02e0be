package dev.tapegrad.optim;

/**
 * Multiplies the learning rate by {@code gamma} every epoch, as PyTorch's {@code ExponentialLR}.
 *
 * <pre>
 * lr(e) = lr(e - 1) * gamma   for e > 0
 * (alone, this is lr(e) = baseLr * gamma^e)
 * </pre>
 */
public final class ExponentialLr extends LrSchedule {
  private final double gamma;

  /**
   * A schedule over every group of {@code optimizer}.
   *
   * @throws IllegalArgumentException if {@code gamma} is negative or not finite
   */
  public ExponentialLr(Optimizer optimizer, double gamma) {
    super("ExponentialLr", optimizer);
    Checks.nonNegative(name, "gamma", gamma);
    this.gamma = gamma;
    initialStep();
  }

  @Override
  double[] chainedLrs() {
    double[] lrs = currentLrs();
    if (lastEpoch == 0) {
      return lrs;
    }
    for (int g = 0; g < lrs.length; g++) {
      lrs[g] = lrs[g] * gamma;
    }
    return lrs;
  }

  @Override
  double[] closedFormLrs() {
    double[] lrs = new double[baseLrs.length];
    for (int g = 0; g < lrs.length; g++) {
      lrs[g] = baseLrs[g] * Math.pow(gamma, lastEpoch);
    }
    return lrs;
  }
}
