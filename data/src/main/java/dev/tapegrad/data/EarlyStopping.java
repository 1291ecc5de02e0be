package dev.tapegrad.data;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;
import static com.google.common.base.Preconditions.checkState;

import dev.tapegrad.autograd.Tensor;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Stops training when a monitored metric has not improved for {@code patience} checks, and keeps
 * the best checkpoint: Keras' and Lightning's {@code EarlyStopping} ({@code monitor}, {@code mode},
 * {@code patience}, {@code min_delta}, {@code restore_best_weights}).
 *
 * <pre>{@code
 * EarlyStopping stopper = EarlyStopping.minimize().patience(5).minDelta(1e-3)
 *     .keepBest(model::stateDict)                      // a copy of the best state, in memory
 *     .onImprovement(() -> Checkpoint.save(model, best))  // and/or a save action of your own
 *     .build();
 * for (int epoch = 0; ; epoch++) {
 *   train(epoch);
 *   if (stopper.update(validationLoss())) break;
 * }
 * model.loadStateDict(stopper.bestState());           // the weights of the best epoch
 * }</pre>
 *
 * <p>A value improves when it beats the best so far by more than {@code minDelta} (lower for {@link
 * #minimize()}, higher for {@link #maximize()}); the first value always does. On each improvement
 * the snapshot is taken (a copy of every tensor, so later optimizer steps do not change it) and the
 * save action runs. After {@code patience} checks in a row without improvement {@link #update}
 * returns true. A NaN or infinite value stops at once (Lightning's {@code check_finite}), since
 * training has diverged and the best state is what is left.
 *
 * <p>This class takes the state as a {@code Map<String, Tensor>} supplier, so it works with any
 * model (a {@code Block}'s {@code stateDict()}) and {@code data} needs no {@code nn}.
 */
public final class EarlyStopping {
  /** Whether lower or higher values of the metric are better. */
  public enum Mode {
    /** Lower is better: a loss. */
    MIN,
    /** Higher is better: an accuracy. */
    MAX
  }

  private final Mode mode;
  private final int patience;
  private final double minDelta;
  private final Supplier<Map<String, Tensor>> state;
  private final Runnable onImprovement;

  private double best = Double.NaN;
  private int bestCheck = -1;
  private int checks;
  private int sinceBest;
  private boolean stopped;
  private Map<String, Tensor> bestState;

  private EarlyStopping(Builder b) {
    mode = b.mode;
    patience = b.patience;
    minDelta = b.minDelta;
    state = b.state;
    onImprovement = b.onImprovement;
  }

  /** A builder for a metric to minimise (a loss). */
  public static Builder minimize() {
    return new Builder(Mode.MIN);
  }

  /** A builder for a metric to maximise (an accuracy). */
  public static Builder maximize() {
    return new Builder(Mode.MAX);
  }

  /**
   * Records the metric of one check (an epoch, usually) and says whether to stop.
   *
   * @return true once training should stop: {@code patience} checks without improvement, or a
   *     non-finite value
   * @throws IllegalStateException if called again after it returned true
   */
  public boolean update(double value) {
    checkState(
        !stopped,
        "EarlyStopping.update: already stopped at check %s; build a new one to go on",
        checks - 1);
    int check = checks++;
    if (!Double.isFinite(value)) {
      stopped = true;
      return true;
    }
    if (bestCheck < 0 || (mode == Mode.MIN ? value < best - minDelta : value > best + minDelta)) {
      best = value;
      bestCheck = check;
      sinceBest = 0;
      if (state != null) {
        bestState = snapshot(state.get());
      }
      if (onImprovement != null) {
        onImprovement.run();
      }
      return false;
    }
    sinceBest++;
    stopped = sinceBest >= patience;
    return stopped;
  }

  /** Whether {@link #update} has returned true. */
  public boolean stopped() {
    return stopped;
  }

  /** Whether the last value given to {@link #update} was an improvement. */
  public boolean improved() {
    return checks > 0 && bestCheck == checks - 1;
  }

  /** The best value so far; NaN before the first finite one. */
  public double best() {
    return best;
  }

  /** The index (from 0) of the check that gave the best value; -1 before it. */
  public int bestCheck() {
    return bestCheck;
  }

  /** The number of checks since the best one. */
  public int checksSinceBest() {
    return sinceBest;
  }

  /**
   * The copy of the state taken at the best check.
   *
   * @throws IllegalStateException if no state supplier was given or no finite value was seen yet
   */
  public Map<String, Tensor> bestState() {
    checkState(
        state != null, "EarlyStopping.bestState: no state to keep was given (Builder.keepBest)");
    checkState(bestState != null, "EarlyStopping.bestState: no finite value was seen yet");
    return bestState;
  }

  private static Map<String, Tensor> snapshot(Map<String, Tensor> live) {
    checkNotNull(live, "EarlyStopping: the state supplier returned null");
    Map<String, Tensor> copy = new LinkedHashMap<>();
    for (Map.Entry<String, Tensor> e : live.entrySet()) {
      copy.put(e.getKey(), Tensor.of(e.getValue().toFloatArray(), e.getValue().shape()));
    }
    return Collections.unmodifiableMap(copy);
  }

  @Override
  public String toString() {
    return "EarlyStopping(mode="
        + mode
        + ", patience="
        + patience
        + ", minDelta="
        + minDelta
        + ", best="
        + best
        + " at check "
        + bestCheck
        + ")";
  }

  /** Configures an {@link EarlyStopping}: patience 3 and min-delta 0 unless set. */
  public static final class Builder {
    private final Mode mode;
    private int patience = 3;
    private double minDelta;
    private Supplier<Map<String, Tensor>> state;
    private Runnable onImprovement;

    private Builder(Mode mode) {
      this.mode = mode;
    }

    /** Checks without improvement before stopping, at least 1. */
    public Builder patience(int value) {
      checkArgument(value >= 1, "EarlyStopping: patience must be >= 1, got %s", value);
      patience = value;
      return this;
    }

    /** How much a value must beat the best by to count as an improvement, at least 0. */
    public Builder minDelta(double value) {
      checkArgument(
          value >= 0 && Double.isFinite(value),
          "EarlyStopping: minDelta must be finite and >= 0, got %s",
          value);
      minDelta = value;
      return this;
    }

    /** Keeps a copy of {@code state.get()} at each improvement, for {@link #bestState()}. */
    public Builder keepBest(Supplier<Map<String, Tensor>> state) {
      this.state = checkNotNull(state, "EarlyStopping: state is null");
      return this;
    }

    /** Runs {@code action} at each improvement, after the copy: e.g. save a checkpoint file. */
    public Builder onImprovement(Runnable action) {
      this.onImprovement = checkNotNull(action, "EarlyStopping: action is null");
      return this;
    }

    /** The configured early stopping. */
    public EarlyStopping build() {
      return new EarlyStopping(this);
    }
  }
}
