package dev.tapegrad.optim;

/**
 * Multiplies the learning rate by {@code gamma} every {@code stepSize} epochs, as PyTorch's {@code
 * StepLR}.
 *
 * <pre>
 * lr(e) = lr(e - 1) * gamma   if e > 0 and e % stepSize == 0
 *         lr(e - 1)           otherwise
 * (alone, this is lr(e) = baseLr * gamma^(e / stepSize), integer division)
 * </pre>
 */
public final class StepLr extends LrSchedule {
  private final int stepSize;
  private final double gamma;

  /**
   * A schedule over every group of {@code optimizer}.
   *
   * @throws IllegalArgumentException if {@code stepSize <= 0} or {@code gamma} is negative or not
   *     finite
   */
  public StepLr(Optimizer optimizer, int stepSize, double gamma) {
    super("StepLr", optimizer);
    Checks.positive(name, "stepSize", stepSize);
    Checks.nonNegative(name, "gamma", gamma);
    this.stepSize = stepSize;
    this.gamma = gamma;
    initialStep();
  }

  @Override
  double[] chainedLrs() {
    double[] lrs = currentLrs();
    if (lastEpoch == 0 || lastEpoch % stepSize != 0) {
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
      lrs[g] = baseLrs[g] * Math.pow(gamma, lastEpoch / stepSize);
    }
    return lrs;
  }
}
