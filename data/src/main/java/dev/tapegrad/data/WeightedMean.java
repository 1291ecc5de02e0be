package dev.tapegrad.data;

import static com.google.common.base.Preconditions.checkArgument;

/**
 * A running mean of per-batch values weighted by batch size: the epoch's mean loss when batches
 * differ in size (torchmetrics' {@code MeanMetric} with weights). Sums are kept in double.
 *
 * <pre>{@code
 * WeightedMean loss = new WeightedMean();
 * for (Batch b : loader.epoch(e)) loss.add(lossOf(b).item(), b.size());
 * double bpc = Metrics.bitsPerCharacter(loss.mean());
 * }</pre>
 */
public final class WeightedMean {
  private double sum;
  private double weight;

  /** An empty mean. */
  public WeightedMean() {}

  /** Adds {@code value} with weight {@code weight} (for a batch mean, the batch size). */
  public WeightedMean add(double value, double weight) {
    checkArgument(
        weight >= 0 && Double.isFinite(weight),
        "WeightedMean.add: weight must be finite and >= 0, got %s",
        weight);
    sum += value * weight;
    this.weight += weight;
    return this;
  }

  /** The weighted mean so far; NaN before anything was added. */
  public double mean() {
    return weight == 0 ? Double.NaN : sum / weight;
  }

  /** The total weight added. */
  public double weight() {
    return weight;
  }

  /** Forgets everything added. */
  public void reset() {
    sum = 0;
    weight = 0;
  }

  @Override
  public String toString() {
    return "WeightedMean(mean=" + mean() + ", weight=" + weight + ")";
  }
}
