package dev.tapegrad.optim;

/**
 * Cosine annealing from the base rate down to {@code etaMin} over {@code tMax} epochs and back up
 * again over the next {@code tMax} (no restarts), as PyTorch's {@code CosineAnnealingLR}.
 *
 * <p>Alone, the rate follows
 *
 * <pre>
 * lr(e) = etaMin + (baseLr - etaMin) * (1 + cos(pi * e / tMax)) / 2
 * </pre>
 *
 * and, as in PyTorch, each step computes it from the previous rate (so that it composes):
 *
 * <pre>
 * lr(e) = lr(e - 1) + (baseLr - etaMin) * (1 - cos(pi / tMax)) / 2          if (e - 1 - tMax) % (2 tMax) == 0
 *         (1 + cos(pi e / tMax)) / (1 + cos(pi (e - 1) / tMax)) * (lr(e - 1) - etaMin) + etaMin   otherwise
 * </pre>
 */
public final class CosineAnnealingLr extends LrSchedule {
  private final int tMax;
  private final double etaMin;

  /** A schedule annealing to 0 over {@code tMax} epochs. */
  public CosineAnnealingLr(Optimizer optimizer, int tMax) {
    this(optimizer, tMax, 0);
  }

  /**
   * A schedule over every group of {@code optimizer}.
   *
   * @throws IllegalArgumentException if {@code tMax <= 0} or {@code etaMin} is negative or not
   *     finite
   */
  public CosineAnnealingLr(Optimizer optimizer, int tMax, double etaMin) {
    super("CosineAnnealingLr", optimizer);
    Checks.positive(name, "tMax", tMax);
    Checks.nonNegative(name, "etaMin", etaMin);
    this.tMax = tMax;
    this.etaMin = etaMin;
    initialStep();
  }

  @Override
  double[] chainedLrs() {
    double[] lrs = currentLrs();
    if (lastEpoch == 0) {
      return lrs;
    }
    if (Math.floorMod(lastEpoch - 1 - tMax, 2 * tMax) == 0) {
      for (int g = 0; g < lrs.length; g++) {
        lrs[g] = lrs[g] + (baseLrs[g] - etaMin) * (1 - Math.cos(Math.PI / tMax)) / 2;
      }
      return lrs;
    }
    double ratio =
        (1 + Math.cos(Math.PI * lastEpoch / tMax))
            / (1 + Math.cos(Math.PI * (lastEpoch - 1) / tMax));
    for (int g = 0; g < lrs.length; g++) {
      lrs[g] = ratio * (lrs[g] - etaMin) + etaMin;
    }
    return lrs;
  }

  @Override
  double[] closedFormLrs() {
    double[] lrs = new double[baseLrs.length];
    for (int g = 0; g < lrs.length; g++) {
      lrs[g] = etaMin + (baseLrs[g] - etaMin) * (1 + Math.cos(Math.PI * lastEpoch / tMax)) / 2;
    }
    return lrs;
  }
}
