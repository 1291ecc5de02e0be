package dev.tapegrad.optim;

import static com.google.common.base.Preconditions.checkNotNull;

import dev.tapegrad.autograd.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reduces the learning rate when a metric stops improving, as PyTorch's {@code ReduceLROnPlateau}.
 * Call {@link #step(double)} with the metric after each epoch.
 *
 * <pre>
 * better(a)  = a &lt; best * (1 - threshold)   (MIN, REL)     a &lt; best - threshold   (MIN, ABS)
 *              a &gt; best * (1 + threshold)   (MAX, REL)     a &gt; best + threshold   (MAX, ABS)
 * if better(metric):  best = metric, badEpochs = 0   else  badEpochs += 1
 * if cooldownCounter &gt; 0:  cooldownCounter -= 1, badEpochs = 0
 * if badEpochs &gt; patience:
 *   for each group:  newLr = max(lr * factor, minLr);  if lr - newLr &gt; eps:  lr = newLr
 *   cooldownCounter = cooldown, badEpochs = 0
 * </pre>
 *
 * {@code best} starts at +infinity (MIN) or -infinity (MAX). A NaN metric is never better.
 *
 * <p>State dict: {@code last_epoch}, {@code best}, {@code num_bad_epochs}, {@code cooldown_counter}
 * and {@code last_lr.<g>}, scalars in the {@link Optimizer} encoding. The settings are not part of
 * it; build the schedule as before and load the optimizer first.
 */
public final class ReduceLrOnPlateau {
  /** Whether the metric should go down (a loss) or up (an accuracy). */
  public enum Mode {
    MIN,
    MAX
  }

  /** Whether {@code threshold} is relative to the best value or absolute. */
  public enum ThresholdMode {
    REL,
    ABS
  }

  /**
   * Settings. Immutable: each setter returns a changed copy; values are checked by the schedule.
   */
  public static final class Options {
    private static final Options DEFAULTS =
        new Options(Mode.MIN, 0.1, 10, 1e-4, ThresholdMode.REL, 0, new double[] {0}, 1e-8);
    private final Mode mode;
    private final double factor;
    private final int patience;
    private final double threshold;
    private final ThresholdMode thresholdMode;
    private final int cooldown;
    private final double[] minLr;
    private final double eps;

    private Options(
        Mode mode,
        double factor,
        int patience,
        double threshold,
        ThresholdMode thresholdMode,
        int cooldown,
        double[] minLr,
        double eps) {
      this.mode = checkNotNull(mode, "ReduceLrOnPlateau: mode is null");
      this.factor = factor;
      this.patience = patience;
      this.threshold = threshold;
      this.thresholdMode = checkNotNull(thresholdMode, "ReduceLrOnPlateau: thresholdMode is null");
      this.cooldown = cooldown;
      this.minLr = minLr;
      this.eps = eps;
    }

    /** MIN (default) or MAX. */
    public Options mode(Mode mode) {
      return new Options(mode, factor, patience, threshold, thresholdMode, cooldown, minLr, eps);
    }

    /** The factor applied to the rate on a plateau, in [0, 1); default 0.1. */
    public Options factor(double factor) {
      return new Options(mode, factor, patience, threshold, thresholdMode, cooldown, minLr, eps);
    }

    /** Epochs without improvement tolerated before reducing, {@code >= 0}; default 10. */
    public Options patience(int patience) {
      return new Options(mode, factor, patience, threshold, thresholdMode, cooldown, minLr, eps);
    }

    /** The least change that counts as an improvement, {@code >= 0}; default 1e-4. */
    public Options threshold(double threshold) {
      return new Options(mode, factor, patience, threshold, thresholdMode, cooldown, minLr, eps);
    }

    /** REL (default) or ABS. */
    public Options thresholdMode(ThresholdMode thresholdMode) {
      return new Options(mode, factor, patience, threshold, thresholdMode, cooldown, minLr, eps);
    }

    /**
     * Epochs to wait after a reduction before counting bad epochs again, {@code >= 0}; default 0.
     */
    public Options cooldown(int cooldown) {
      return new Options(mode, factor, patience, threshold, thresholdMode, cooldown, minLr, eps);
    }

    /** The lowest rate of every group, {@code >= 0}; default 0. */
    public Options minLr(double minLr) {
      return new Options(
          mode, factor, patience, threshold, thresholdMode, cooldown, new double[] {minLr}, eps);
    }

    /** The lowest rate of each group, one value per group. */
    public Options minLr(double... minLrPerGroup) {
      return new Options(
          mode, factor, patience, threshold, thresholdMode, cooldown, minLrPerGroup.clone(), eps);
    }

    /** Reductions smaller than this are skipped, {@code >= 0}; default 1e-8. */
    public Options eps(double eps) {
      return new Options(mode, factor, patience, threshold, thresholdMode, cooldown, minLr, eps);
    }

    @Override
    public String toString() {
      return "ReduceLrOnPlateau.Options{mode="
          + mode
          + ", factor="
          + factor
          + ", patience="
          + patience
          + ", threshold="
          + threshold
          + ", thresholdMode="
          + thresholdMode
          + ", cooldown="
          + cooldown
          + ", minLr="
          + Arrays.toString(minLr)
          + ", eps="
          + eps
          + "}";
    }
  }

  private static final String NAME = "ReduceLrOnPlateau";
  private final Optimizer optimizer;
  private final Options options;
  private final double[] minLrs;
  private int lastEpoch;
  private double best;
  private int numBadEpochs;
  private int cooldownCounter;
  private double[] lastLrs;

  /** PyTorch's defaults: MIN, factor 0.1, patience 10, threshold 1e-4 relative, no cooldown. */
  public static Options options() {
    return Options.DEFAULTS;
  }

  /** A schedule with the default settings. */
  public ReduceLrOnPlateau(Optimizer optimizer) {
    this(optimizer, options());
  }

  /**
   * A schedule over every group of {@code optimizer}.
   *
   * @throws IllegalArgumentException for an invalid setting, naming it and its value, or a number
   *     of per-group minimum rates other than the number of groups
   */
  public ReduceLrOnPlateau(Optimizer optimizer, Options options) {
    this.optimizer = checkNotNull(optimizer, "%s: optimizer is null", NAME);
    this.options = checkNotNull(options, "%s: options is null", NAME);
    if (!(options.factor >= 0 && options.factor < 1)) {
      throw new IllegalArgumentException(
          NAME + ": invalid factor: " + options.factor + " (must be in [0, 1))");
    }
    Checks.nonNegative(NAME, "patience", options.patience);
    Checks.nonNegative(NAME, "threshold", options.threshold);
    Checks.nonNegative(NAME, "cooldown", options.cooldown);
    Checks.nonNegative(NAME, "eps", options.eps);
    int groups = optimizer.paramGroups().size();
    if (options.minLr.length == 1) {
      minLrs = new double[groups];
      Arrays.fill(minLrs, options.minLr[0]);
    } else if (options.minLr.length == groups) {
      minLrs = options.minLr.clone();
    } else {
      throw new IllegalArgumentException(
          NAME
              + ": invalid minLr: "
              + Arrays.toString(options.minLr)
              + " (expected one value or "
              + groups
              + ", one per group)");
    }
    for (double m : minLrs) {
      Checks.nonNegative(NAME, "minLr", m);
    }
    best = worst();
    lastLrs = currentLrs();
  }

  /**
   * Records the metric of the epoch just finished, reducing the learning rates on a plateau.
   *
   * @throws IllegalStateException if the optimizer's number of groups changed since construction
   */
  public void step(double metric) {
    lastEpoch++;
    if (isBetter(metric)) {
      best = metric;
      numBadEpochs = 0;
    } else {
      numBadEpochs++;
    }
    if (cooldownCounter > 0) {
      cooldownCounter--;
      numBadEpochs = 0;
    }
    if (numBadEpochs > options.patience) {
      List<ParamGroup> groups = groups();
      for (int g = 0; g < groups.size(); g++) {
        double old = groups.get(g).lr();
        double lr = Math.max(old * options.factor, minLrs[g]);
        if (old - lr > options.eps) {
          groups.get(g).setLr(lr);
        }
      }
      cooldownCounter = options.cooldown;
      numBadEpochs = 0;
    }
    lastLrs = currentLrs();
  }

  private boolean isBetter(double a) {
    boolean rel = options.thresholdMode == ThresholdMode.REL;
    if (options.mode == Mode.MIN) {
      return rel ? a < best * (1. - options.threshold) : a < best - options.threshold;
    }
    return rel ? a > best * (options.threshold + 1.) : a > best + options.threshold;
  }

  private double worst() {
    return options.mode == Mode.MIN ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
  }

  /** The number of {@link #step} calls so far. */
  public int lastEpoch() {
    return lastEpoch;
  }

  /** The best metric so far (infinitely bad before the first step). */
  public double best() {
    return best;
  }

  /** The learning rate of each group after the last step. */
  public List<Double> lastLr() {
    List<Double> out = new ArrayList<>();
    for (double lr : lastLrs) {
      out.add(lr);
    }
    return Collections.unmodifiableList(out);
  }

  private List<ParamGroup> groups() {
    List<ParamGroup> groups = optimizer.paramGroups();
    if (groups.size() != minLrs.length) {
      throw new IllegalStateException(
          NAME
              + ": the optimizer has "
              + groups.size()
              + " parameter groups but had "
              + minLrs.length
              + " when the schedule was made; make the schedule after adding every group");
    }
    return groups;
  }

  private double[] currentLrs() {
    List<ParamGroup> groups = groups();
    double[] lrs = new double[groups.size()];
    for (int g = 0; g < lrs.length; g++) {
      lrs[g] = groups.get(g).lr();
    }
    return lrs;
  }

  /** The schedule's position; see the class documentation for the keys. */
  public Map<String, Tensor> stateDict() {
    Map<String, Tensor> out = new LinkedHashMap<>();
    out.put("last_epoch", StateDicts.scalar(lastEpoch));
    out.put("best", StateDicts.scalar(best));
    out.put("num_bad_epochs", StateDicts.scalar(numBadEpochs));
    out.put("cooldown_counter", StateDicts.scalar(cooldownCounter));
    for (int g = 0; g < lastLrs.length; g++) {
      out.put("last_lr." + g, StateDicts.scalar(lastLrs[g]));
    }
    return out;
  }

  /**
   * Restores the position saved by {@link #stateDict()}. Values are checked too: counts are whole
   * numbers {@code >= 0}, learning rates finite and {@code >= 0}, {@code best} not NaN (it may be
   * infinite: it starts so).
   *
   * @param state the dict to load
   * @throws IllegalArgumentException listing every missing or unexpected key, wrong shape or
   *     invalid value; the schedule is unchanged then
   */
  public void loadStateDict(Map<String, Tensor> state) {
    checkNotNull(state, "%s.loadStateDict: state is null", NAME);
    StateDicts.Problems problems = new StateDicts.Problems(NAME);
    long epoch = problems.integer(state, "last_epoch", 0);
    double loadedBest = problems.scalar(state, "best");
    long bad = problems.integer(state, "num_bad_epochs", 0);
    long cooldown = problems.integer(state, "cooldown_counter", 0);
    Set<String> used =
        new HashSet<>(List.of("last_epoch", "best", "num_bad_epochs", "cooldown_counter"));
    double[] last = new double[minLrs.length];
    for (int g = 0; g < last.length; g++) {
      used.add("last_lr." + g);
      last[g] = problems.scalar(state, "last_lr." + g);
      if (state.get("last_lr." + g) != null
          && StateDicts.isScalarShape(state.get("last_lr." + g))) {
        problems.learningRate("last_lr." + g, last[g]);
      }
    }
    if (Double.isNaN(loadedBest)
        && state.get("best") != null
        && StateDicts.isScalarShape(state.get("best"))) {
      problems.invalid("best", "NaN (a metric is never NaN: a NaN metric is never better)");
    }
    for (String key : state.keySet()) {
      if (!used.contains(key)) {
        problems.unexpected.add(key);
      }
    }
    for (var e :
        Map.of("last_epoch", epoch, "num_bad_epochs", bad, "cooldown_counter", cooldown)
            .entrySet()) {
      if (e.getValue() > Integer.MAX_VALUE) {
        problems.invalid(e.getKey(), e.getValue() + " is beyond the range of an int");
      }
    }
    problems.throwIfAny();
    lastEpoch = (int) epoch;
    best = loadedBest;
    numBadEpochs = (int) bad;
    cooldownCounter = (int) cooldown;
    lastLrs = last;
  }

  /**
   * Saves {@link #stateDict()} to {@code file} in the safetensors format, with the schedule's class
   * in the metadata.
   *
   * @throws IOException if writing fails
   */
  public void save(Path file) throws IOException {
    StateDicts.save(file, stateDict(), NAME);
  }

  /**
   * Loads a position saved by {@link #save}, as {@link #loadStateDict}.
   *
   * @throws IOException if the file cannot be read or is not valid safetensors
   * @throws IllegalArgumentException if it holds another class's state or does not match
   */
  public void load(Path file) throws IOException {
    loadStateDict(StateDicts.load(file, NAME));
  }

  @Override
  public String toString() {
    return NAME + "(lastEpoch=" + lastEpoch + ", best=" + best + ", lastLr=" + lastLr() + ")";
  }
}
