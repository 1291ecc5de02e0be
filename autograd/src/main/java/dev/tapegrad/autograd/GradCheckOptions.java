package dev.tapegrad.autograd;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

/**
 * Settings of a {@link GradCheck}: finite-difference step, tolerances, random seed and how each
 * input is covered. Immutable; start from {@link #defaults()} or {@link #builder()}.
 *
 * <pre>{@code
 * GradCheckOptions options =
 *     GradCheckOptions.builder().relativeTolerance(1e-2).mode(GradCheckOptions.Mode.FULL).build();
 * GradCheck.assertGradients(options, in -> in[0].tanh(), x);
 * }</pre>
 *
 * <p>The defaults are chosen for float32:
 *
 * <ul>
 *   <li>{@code step} = cbrt(float epsilon) ≈ 4.9e-3, scaled per element by {@code max(1, |x|)}: it
 *       balances the truncation error of central differences (proportional to step²) against
 *       float32 rounding (proportional to epsilon / step).
 *   <li>{@code relativeTolerance} = 1e-3 and {@code absoluteTolerance} = 1e-5. On top of the
 *       absolute floor, every comparison adds an estimate of the rounding noise of that very finite
 *       difference (see {@link GradCheck}), so the floor can stay small.
 *   <li>{@code mode} = {@link Mode#AUTO} with {@code maxElements} = 1024.
 *   <li>{@code seed} = 42, so a failing check reproduces exactly.
 *   <li>{@code perturbInPlace} = false: the function is evaluated on private copies of the inputs.
 * </ul>
 */
public final class GradCheckOptions {

  /** How the elements of an input are covered. */
  public enum Mode {
    /**
     * {@link #FULL} for inputs of at most {@code maxElements} elements, {@link #PROJECTION} for
     * larger ones.
     */
    AUTO,
    /** Every element on its own: four evaluations of the function per element (steps h and 2h). */
    FULL,
    /**
     * One random direction {@code u} per input: compares {@code vᵀ J u} with a single central
     * difference along {@code u} (two evaluations per input). If that comparison fails, every
     * element of the input is checked on its own, so the report names the element and the verdict
     * never rests on the projection alone.
     */
    PROJECTION
  }

  private static final GradCheckOptions DEFAULTS = builder().build();

  private final double step;
  private final double relativeTolerance;
  private final double absoluteTolerance;
  private final long seed;
  private final Mode mode;
  private final int maxElements;
  private final boolean perturbInPlace;

  private GradCheckOptions(Builder b) {
    this.step = b.step;
    this.relativeTolerance = b.relativeTolerance;
    this.absoluteTolerance = b.absoluteTolerance;
    this.seed = b.seed;
    this.mode = b.mode;
    this.maxElements = b.maxElements;
    this.perturbInPlace = b.perturbInPlace;
  }

  /** The default options, described in the class documentation. */
  public static GradCheckOptions defaults() {
    return DEFAULTS;
  }

  /** A builder starting from the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder starting from these options. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.step = step;
    b.relativeTolerance = relativeTolerance;
    b.absoluteTolerance = absoluteTolerance;
    b.seed = seed;
    b.mode = mode;
    b.maxElements = maxElements;
    b.perturbInPlace = perturbInPlace;
    return b;
  }

  /** The relative finite-difference step; the step for element x is {@code step * max(1, |x|)}. */
  public double step() {
    return step;
  }

  /** The relative tolerance, applied to {@code max(|analytic|, |numeric|)}. */
  public double relativeTolerance() {
    return relativeTolerance;
  }

  /** The absolute tolerance floor. */
  public double absoluteTolerance() {
    return absoluteTolerance;
  }

  /** The seed of the random gradOutput vectors and projection directions. */
  public long seed() {
    return seed;
  }

  /** How the elements of each input are covered. */
  public Mode mode() {
    return mode;
  }

  /** In {@link Mode#AUTO}, the largest input checked element by element. */
  public int maxElements() {
    return maxElements;
  }

  /**
   * Whether the given tensors themselves are perturbed (and restored) rather than private copies;
   * see {@link Builder#perturbInPlace}.
   */
  public boolean perturbInPlace() {
    return perturbInPlace;
  }

  @Override
  public String toString() {
    return String.format(
        "GradCheckOptions{step=%s, relativeTolerance=%s, absoluteTolerance=%s, seed=%s, mode=%s,"
            + " maxElements=%s, perturbInPlace=%s}",
        step, relativeTolerance, absoluteTolerance, seed, mode, maxElements, perturbInPlace);
  }

  /** Builds {@link GradCheckOptions}; every setter validates its argument. */
  public static final class Builder {
    private double step = Math.cbrt(Math.ulp(1f));
    private double relativeTolerance = 1e-3;
    private double absoluteTolerance = 1e-5;
    private long seed = 42;
    private Mode mode = Mode.AUTO;
    private int maxElements = 1024;
    private boolean perturbInPlace;

    private Builder() {}

    /** The relative finite-difference step, in (0, 0.1]. */
    public Builder step(double value) {
      checkArgument(
          value > 0 && value <= 0.1, "GradCheckOptions: step must be in (0, 0.1], got %s", value);
      this.step = value;
      return this;
    }

    /** The relative tolerance, in [0, 1). */
    public Builder relativeTolerance(double value) {
      checkArgument(
          value >= 0 && value < 1,
          "GradCheckOptions: relativeTolerance must be in [0, 1), got %s",
          value);
      this.relativeTolerance = value;
      return this;
    }

    /** The absolute tolerance floor, non-negative and finite. */
    public Builder absoluteTolerance(double value) {
      checkArgument(
          value >= 0 && Double.isFinite(value),
          "GradCheckOptions: absoluteTolerance must be finite and non-negative, got %s",
          value);
      this.absoluteTolerance = value;
      return this;
    }

    /** The seed of the random vectors. */
    public Builder seed(long value) {
      this.seed = value;
      return this;
    }

    /** How the elements of each input are covered. */
    public Builder mode(Mode value) {
      this.mode = checkNotNull(value, "GradCheckOptions: mode is null");
      return this;
    }

    /** In {@link Mode#AUTO}, the largest input checked element by element; positive. */
    public Builder maxElements(int value) {
      checkArgument(value > 0, "GradCheckOptions: maxElements must be positive, got %s", value);
      this.maxElements = value;
      return this;
    }

    /**
     * Perturbs the given tensors themselves instead of private copies (default false), so that a
     * function reading them directly sees the perturbation: a module's forward reading its own
     * parameters, say. Every value is restored before the check returns, also when it throws;
     * meanwhile the tensors must not be used by another thread. Tensors sharing storage (one a
     * reshape or detach of another) cannot be checked this way and are refused.
     *
     * <pre>{@code
     * GradCheckOptions inPlace = GradCheckOptions.builder().perturbInPlace(true).build();
     * GradCheck.assertGradients(inPlace, in -> cell.forward(x).sum(), cell.parameters().toArray(Tensor[]::new));
     * }</pre>
     */
    public Builder perturbInPlace(boolean value) {
      this.perturbInPlace = value;
      return this;
    }

    /** The options. */
    public GradCheckOptions build() {
      return new GradCheckOptions(this);
    }
  }
}
