package dev.tapegrad.optim;

import java.util.Arrays;

/**
 * Multiplies the learning rate by {@code gamma} at each milestone epoch, as PyTorch's {@code
 * MultiStepLR}.
 *
 * <pre>
 * lr(e) = lr(e - 1) * gamma   if e is a milestone
 *         lr(e - 1)           otherwise
 * (alone, this is lr(e) = baseLr * gamma^(number of milestones &lt;= e))
 * </pre>
 */
public final class MultiStepLr extends LrSchedule {
  private final int[] milestones;
  private final double gamma;

  /**
   * A schedule over every group of {@code optimizer}.
   *
   * @param milestones epochs at which to decay, positive and strictly increasing
   * @throws IllegalArgumentException if the milestones are empty, not positive or not strictly
   *     increasing, or {@code gamma} is negative or not finite
   */
  public MultiStepLr(Optimizer optimizer, int[] milestones, double gamma) {
    super("MultiStepLr", optimizer);
    if (milestones.length == 0) {
      throw new IllegalArgumentException(name + ": invalid milestones: [] (need at least one)");
    }
    for (int i = 0; i < milestones.length; i++) {
      if (milestones[i] <= 0 || (i > 0 && milestones[i] <= milestones[i - 1])) {
        throw new IllegalArgumentException(
            name
                + ": invalid milestones: "
                + Arrays.toString(milestones)
                + " (must be positive and strictly increasing)");
      }
    }
    Checks.nonNegative(name, "gamma", gamma);
    this.milestones = milestones.clone();
    this.gamma = gamma;
    initialStep();
  }

  @Override
  double[] chainedLrs() {
    double[] lrs = currentLrs();
    if (Arrays.binarySearch(milestones, lastEpoch) < 0) {
      return lrs;
    }
    for (int g = 0; g < lrs.length; g++) {
      lrs[g] = lrs[g] * gamma;
    }
    return lrs;
  }

  @Override
  double[] closedFormLrs() {
    int passed = 0;
    while (passed < milestones.length && milestones[passed] <= lastEpoch) {
      passed++;
    }
    double[] lrs = new double[baseLrs.length];
    for (int g = 0; g < lrs.length; g++) {
      lrs[g] = baseLrs[g] * Math.pow(gamma, passed);
    }
    return lrs;
  }
}
