package dev.tapegrad.autograd;

import static com.google.common.base.Preconditions.checkArgument;

import dev.tapegrad.autograd.GradCheckResult.Comparison;
import dev.tapegrad.autograd.GradCheckResult.InputResult;
import dev.tapegrad.autograd.GradCheckResult.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;

/**
 * One run of {@link GradCheck}: the analytic pass, then finite differences input by input. See
 * {@link GradCheck} for the method; this class holds the arithmetic.
 */
final class GradChecker {
  /**
   * Relative rounding noise assumed for every output value: a few float32 epsilons, for the handful
   * of roundings between an input and an output. Multiplied by the magnitude of the outputs that
   * moved, it estimates the noise of a finite difference.
   */
  private static final double NOISE = 4 * Math.ulp(1f);

  /** Each retry divides the step by this. */
  private static final double SHRINK = 4;

  /** Retries of a failing element with a smaller step (step / 4, step / 16). */
  private static final int RETRIES = 2;

  private final GradCheckOptions options;
  private final GradCheck.TensorFunction fn;
  private final Tensor[] originals;
  private final Tensor[] work;
  private int[] outShape;
  private float[] gradOutput;
  private float[] base;

  GradChecker(GradCheckOptions options, GradCheck.TensorFunction fn, Tensor[] inputs) {
    checkArgument(options != null, "GradCheck: options are null");
    checkArgument(fn != null, "GradCheck: function is null");
    checkArgument(inputs != null && inputs.length > 0, "GradCheck: no inputs given");
    this.options = options;
    this.fn = fn;
    this.originals = inputs.clone();
    this.work = new Tensor[inputs.length];
    boolean any = false;
    for (int i = 0; i < inputs.length; i++) {
      Tensor x = inputs[i];
      checkArgument(x != null, "GradCheck: input %s is null", i);
      if (x.requiresGrad() && !options.perturbInPlace()) {
        // A private leaf copy: finite differences perturb its storage, never the caller's.
        work[i] = new Tensor(x.toFloatArray(), x.shape()).requiresGrad(true);
      } else {
        work[i] = x;
      }
      any |= x.requiresGrad();
    }
    checkArgument(any, "GradCheck: no input requires grad, so there is nothing to check");
    if (options.perturbInPlace()) {
      for (int i = 0; i < inputs.length; i++) {
        for (int k = 0; k < inputs.length; k++) {
          if (k != i && inputs[i].requiresGrad() && inputs[i].data == inputs[k].data) {
            throw new IllegalArgumentException(
                String.format(
                    "GradCheck: inputs %d %s and %d %s share storage, so one cannot be perturbed"
                        + " alone; check them without perturbInPlace, or pass only one",
                    i,
                    Shapes.format(inputs[i].shapeRef()),
                    k,
                    Shapes.format(inputs[k].shapeRef())));
          }
        }
      }
    }
  }

  GradCheckResult run(String title) {
    Random random = new Random(options.seed());
    List<Tensor> wrt = new ArrayList<>();
    for (int i = 0; i < work.length; i++) {
      if (originals[i].requiresGrad()) {
        wrt.add(work[i]);
      }
    }
    float[][] analytic = new float[work.length][];
    try (var mode = Autograd.enableGrad()) {
      Tensor out = fn.apply(work.clone());
      checkArgument(out != null, "GradCheck: the function returned null");
      outShape = out.shape();
      base = out.toFloatArray();
      for (int k = 0; k < base.length; k++) {
        if (!Float.isFinite(base[k])) {
          throw new IllegalArgumentException(
              String.format(
                  "GradCheck: the function's output %s is %s at %s; check at a point where it is finite",
                  Shapes.format(outShape), base[k], Arrays.toString(unravel(k, outShape))));
        }
      }
      gradOutput = gradOutput(random, outShape);
      Tensor[] grads = backward(out, new Tensor(gradOutput.clone(), outShape), wrt);
      for (int i = 0, w = 0; i < work.length; i++) {
        if (originals[i].requiresGrad()) {
          analytic[i] = grads[w] == null ? new float[work[i].numel()] : grads[w].toFloatArray();
          w++;
        }
      }
    }
    float[] again = evaluate();
    for (int k = 0; k < base.length; k++) {
      if (Float.floatToIntBits(again[k]) != Float.floatToIntBits(base[k])) {
        throw new IllegalArgumentException(
            String.format(
                "GradCheck: the function is not deterministic: two evaluations at the same point differ"
                    + " at output element %s (%s vs %s); seed every random generator inside the function",
                Arrays.toString(unravel(k, outShape)), base[k], again[k]));
      }
    }
    List<InputResult> results = new ArrayList<>();
    for (int i = 0; i < work.length; i++) {
      if (!originals[i].requiresGrad()) {
        results.add(
            new InputResult(
                i,
                work[i].shape(),
                Method.NOT_CHECKED,
                0,
                Optional.empty(),
                List.of(),
                List.of(),
                Optional.empty()));
      } else {
        results.add(checkInput(i, analytic[i], random));
      }
    }
    return new GradCheckResult(title, results);
  }

  /**
   * {@code vᵀ J} for the tensors in {@code wrt} (null where the output does not depend on one).
   * Unless the inputs are perturbed in place, the caller's own tensors are targets too: a function
   * that reads one of them directly rather than its private copy would be checked vacuously (its
   * output does not move when the copy does), so that is refused. The graph is retained: the
   * function may close over tensors of the caller's graph, which must survive the check.
   */
  private Tensor[] backward(Tensor out, Tensor v, List<Tensor> wrt) {
    return vectorJacobian(out, v, wrt, options.perturbInPlace() ? null : originals, false);
  }

  /**
   * {@code vᵀ J} of {@code out} for the tensors in {@code wrt}, null where {@code out} does not
   * depend on one; recorded when {@code createGraph}. Throws if {@code out} depends directly on one
   * of the {@code originals} that requires grad (may be null), which the function should only see
   * through its private copy.
   */
  static Tensor[] vectorJacobian(
      Tensor out, Tensor v, List<Tensor> wrt, Tensor[] originals, boolean createGraph) {
    List<Tensor> targets = new ArrayList<>(wrt);
    List<Integer> watched = new ArrayList<>();
    if (originals != null) {
      for (int i = 0; i < originals.length; i++) {
        if (originals[i].requiresGrad()) {
          targets.add(originals[i]);
          watched.add(i);
        }
      }
    }
    if (!out.requiresGrad()) {
      return new Tensor[wrt.size()];
    }
    Tensor[] grads =
        Engine.run(
            new Tensor[] {out},
            new Tensor[] {v},
            targets.toArray(new Tensor[0]),
            true,
            createGraph);
    for (int w = 0; w < watched.size(); w++) {
      if (grads[wrt.size() + w] != null) {
        int i = watched.get(w);
        throw new IllegalArgumentException(
            String.format(
                "GradCheck: the function reads input %d %s directly instead of through its argument"
                    + " in[%d], so perturbing the argument cannot check it; use the argument, or set"
                    + " GradCheckOptions.perturbInPlace to check tensors the function reads directly",
                i, Shapes.format(originals[i].shapeRef()), i));
      }
    }
    return Arrays.copyOf(grads, wrt.size());
  }

  /**
   * The vector v of {@code vᵀ J}: 1 for a one-element output, so that reports show the true
   * derivative; otherwise random signs times magnitudes in [0.5, 1.5), never near zero (every
   * output counts) and unequal (a gradient sent to the wrong output position shows).
   */
  static float[] gradOutput(Random random, int[] shape) {
    int n = Shapes.numel(shape);
    float[] v = new float[n];
    if (n == 1) {
      v[0] = 1f;
      return v;
    }
    for (int k = 0; k < n; k++) {
      v[k] = (float) ((random.nextBoolean() ? 1 : -1) * (0.5 + random.nextDouble()));
    }
    return v;
  }

  private float[] evaluate() {
    try (var mode = Autograd.enableGrad()) {
      Tensor out = fn.apply(work.clone());
      checkArgument(out != null, "GradCheck: the function returned null");
      if (!Arrays.equals(out.shapeRef(), outShape)) {
        throw new IllegalArgumentException(
            String.format(
                "GradCheck: the output shape changed from %s to %s when an input was perturbed",
                Shapes.format(outShape), Shapes.format(out.shapeRef())));
      }
      return out.toFloatArray();
    }
  }

  private InputResult checkInput(int i, float[] grad, Random random) {
    Tensor x = work[i];
    int n = x.numel();
    GradCheckOptions.Mode mode = options.mode();
    boolean project =
        n > 1
            && (mode == GradCheckOptions.Mode.PROJECTION
                || (mode == GradCheckOptions.Mode.AUTO && n > options.maxElements()));
    Comparison projection = null;
    if (project) {
      projection = project(x, grad, random);
      if (projection.passed()) {
        return new InputResult(
            i,
            x.shape(),
            Method.PROJECTION,
            0,
            Optional.of(projection),
            List.of(),
            List.of(),
            Optional.of(projection));
      }
    }
    Comparison worst = null;
    List<Comparison> failures = new ArrayList<>();
    List<int[]> kinks = new ArrayList<>();
    int checked = 0;
    for (int j = 0; j < n; j++) {
      int[] index = unravel(j, x.shapeRef());
      Element e = checkElement(x, j, index, grad[j]);
      if (e.kink) {
        kinks.add(index);
        continue;
      }
      checked++;
      if (!e.comparison.passed()) {
        failures.add(e.comparison);
      }
      if (worst == null || e.comparison.ratio() > worst.ratio()) {
        worst = e.comparison;
      }
    }
    Method method = project ? Method.PROJECTION_THEN_ELEMENTS : Method.ELEMENTS;
    return new InputResult(
        i,
        x.shape(),
        method,
        checked,
        Optional.ofNullable(worst),
        failures,
        kinks,
        Optional.ofNullable(projection));
  }

  /** The outcome for one element: a comparison, or a kink (then skipped). */
  private static final class Element {
    final Comparison comparison;
    final boolean kink;

    Element(Comparison comparison, boolean kink) {
      this.comparison = comparison;
      this.kink = kink;
    }
  }

  /** Central and one-sided difference quotients of {@code vᵀ f} along one element. */
  private static final class Probe {
    float[] fPlus;
    float[] fMinus;
    double central;
    double forward;
    double backward;
    double step;
  }

  /**
   * Checks one element with a Richardson extrapolation of two central differences, at steps h and
   * 2h: {@code R = D(h) + (D(h) - D(2h)) / 3} cancels the h² term of the truncation error, so the
   * step can be large (rounding noise shrinks with it) and R is still accurate. The tolerance is
   * the options' relative and absolute tolerances plus R's rounding noise plus {@code |D(h) -
   * D(2h)| / 3}, an upper estimate of what truncation error is left.
   *
   * <p>The noise is first modelled from the outputs' own resolution: each output that moved is
   * taken to be within one ulp of the exact function. Before an element fails, the noise is
   * measured instead ({@link #measuredNoise}, and outputs that depend on the element but did not
   * move), since rounding inside the function can exceed the model; the larger counts.
   *
   * <p>Only where the estimate itself depends on the step (a truncation estimate comparable to the
   * disagreement, near a pole), the function is not smooth within the step (a kink nearby), or a
   * probe left the function's domain is the element retried with steps 4 and 16 times smaller. A
   * wrong derivative of a smooth function gives the same estimate at both steps, so it is never
   * retried: its tolerance is never widened by the larger noise of a smaller step.
   *
   * <p>A failing element is a kink (and skipped) if its one-sided difference quotients keep
   * disagreeing as the step shrinks to a quarter, well clear of the measured noise: for a smooth
   * function their gap shrinks in proportion to the step.
   */
  private Element checkElement(Tensor x, int j, int[] index, float analytic) {
    double h = options.step();
    Estimate e = estimate(x, j, h, 0, null);
    Comparison c = e.compare(index, analytic);
    if (c.passed()) {
      return new Element(c, false);
    }
    boolean[] dependents = dependents(x, j);
    double measured = measuredNoise(x, j);
    e = estimate(x, j, h, measured, dependents, e);
    c = e.compare(index, analytic);
    if (c.passed()) {
      return new Element(c, false);
    }
    Comparison first = c;
    Estimate retry = e;
    for (int r = 0; r < RETRIES && retry.stepDependent(analytic); r++) {
      h /= SHRINK;
      retry = estimate(x, j, h, measured, dependents, null);
      Comparison smaller = retry.compare(index, analytic);
      if (smaller.passed()) {
        return new Element(smaller, false);
      }
    }
    // a kink: the one-sided quotients disagree by as much at a quarter of the step
    Probe quarter = probe(x, j, options.step() / SHRINK);
    double gap = Math.abs(e.fine.forward - e.fine.backward);
    double quarterGap = Math.abs(quarter.forward - quarter.backward);
    double quarterNoise = Math.max(modelNoise(quarter, dependents), measured) / (quarter.step / 2);
    boolean kink =
        quarterGap > 0.5 * gap
            && quarterGap > 8 * quarterNoise
            && quarterGap > 4 * options.relativeTolerance() * Math.abs(analytic);
    return new Element(first, kink);
  }

  /** A Richardson estimate of one derivative, with its tolerance's ingredients. */
  private final class Estimate {
    final Probe fine;
    final Probe coarse;
    final double value;
    final double truncation;
    final double noise;

    /** The rounding noise of the gap between the one-sided quotients, at 2h minus twice at h. */
    final double gapNoise;

    Estimate(Probe fine, Probe coarse, double noiseFine, double noiseCoarse) {
      this.fine = fine;
      this.coarse = coarse;
      // each one-sided quotient divides a numerator's noise by half the central step
      this.gapNoise = 4 * noiseCoarse / coarse.step + 2 * (4 * noiseFine / fine.step);
      this.value = fine.central + (fine.central - coarse.central) / 3;
      this.truncation = Math.abs(fine.central - coarse.central) / 3;
      // R = (4 D(h) - D(2h)) / 3: its noise is (4 n(h) + n(2h)) / 3, n the quotients' noise
      this.noise = (4 * noiseFine / fine.step + noiseCoarse / coarse.step) / 3;
    }

    Comparison compare(int[] index, double analytic) {
      double scale = Math.max(finiteOrZero(Math.abs(analytic)), finiteOrZero(Math.abs(value)));
      double tolerance =
          options.absoluteTolerance()
              + finiteOrZero(noise)
              + finiteOrZero(truncation)
              + options.relativeTolerance() * scale;
      return new Comparison(index, analytic, value, tolerance, fine.step);
    }

    /**
     * Whether a smaller step could change the verdict: a probe left the domain (non-finite), the
     * truncation estimate is a sizeable part of the disagreement, or the function is not smooth
     * within the step. For a smooth function the gap between the one-sided quotients is {@code h
     * f''} plus terms of order h³, so at 2h it is twice that at h; a kink inside the step breaks
     * the proportion.
     */
    boolean stepDependent(double analytic) {
      double disagreement = Math.abs(analytic - value);
      double gapFine = fine.forward - fine.backward;
      double gapCoarse = coarse.forward - coarse.backward;
      double notSmooth = Math.abs(gapCoarse - 2 * gapFine);
      return !Double.isFinite(value)
          || truncation > 0.25 * disagreement
          || notSmooth > Math.max(0.25 * disagreement, 4 * gapNoise);
    }
  }

  /**
   * Probes element j at steps h and 2h; the numerator noise is the output model's, or {@code
   * measured} if larger (with the {@code dependents}, may be null). {@code reuse} (may be null)
   * supplies the probes already taken at these steps.
   */
  private Estimate estimate(
      Tensor x, int j, double h, double measured, boolean[] dependents, Estimate reuse) {
    Probe fine = reuse != null ? reuse.fine : probe(x, j, h);
    Probe coarse = reuse != null ? reuse.coarse : probe(x, j, 2 * h);
    return new Estimate(
        fine,
        coarse,
        Math.max(modelNoise(fine, dependents), measured),
        Math.max(modelNoise(coarse, dependents), measured));
  }

  private Estimate estimate(Tensor x, int j, double h, double measured, boolean[] dependents) {
    return estimate(x, j, h, measured, dependents, null);
  }

  /**
   * The rounding noise of {@code vᵀ f} around element j, measured rather than modelled: rounding
   * inside the function (cancellation in a softmax backward, long sums) can exceed the few epsilons
   * of the output that the model assumes. Second differences over steps of a few ulps cancel the
   * linear part exactly (also for the unequal steps rounding makes) and leave almost only noise;
   * the largest of three, doubled, bounds the noise in the numerator of a central difference.
   * Divide by the step to get the noise of the quotient.
   */
  private double measuredNoise(Tensor x, int j) {
    float[] d = x.data;
    float x0 = d[j];
    double unit = Math.ulp((float) Math.max(1, Math.abs(x0)));
    double largest = 0;
    try {
      for (int m = 1; m <= 3; m++) {
        float plus = (float) (x0 + 4 * m * unit);
        float minus = (float) (x0 - 4 * m * unit);
        d[j] = plus;
        float[] fPlus = evaluate();
        d[j] = minus;
        float[] fMinus = evaluate();
        double up = (double) plus - x0;
        double down = (double) x0 - minus;
        double second = 0;
        for (int k = 0; k < base.length; k++) {
          second +=
              gradOutput[k]
                  * (down * ((double) fPlus[k] - base[k]) - up * ((double) base[k] - fMinus[k]));
        }
        largest = Math.max(largest, Math.abs(second) / ((up + down) / 2));
      }
    } finally {
      d[j] = x0;
    }
    return 2 * largest;
  }

  /** The outputs that move when element j moves by a tenth of its scale either way. */
  private boolean[] dependents(Tensor x, int j) {
    float[] d = x.data;
    float x0 = d[j];
    float delta = (float) (0.1 * Math.max(1, Math.abs(x0)));
    float[] up;
    float[] down;
    try {
      d[j] = x0 + delta;
      up = evaluate();
      d[j] = x0 - delta;
      down = evaluate();
    } finally {
      d[j] = x0;
    }
    boolean[] moved = new boolean[base.length];
    for (int k = 0; k < base.length; k++) {
      moved[k] =
          Float.floatToIntBits(up[k]) != Float.floatToIntBits(base[k])
              || Float.floatToIntBits(down[k]) != Float.floatToIntBits(base[k]);
    }
    return moved;
  }

  /** Compares with one central quotient whose noise is {@code noise}; for projections. */
  private Comparison compare(
      int[] index, double analytic, double central, double noise, double step) {
    // a non-finite value fails by itself; it must not also turn the tolerance into NaN
    double scale = Math.max(finiteOrZero(Math.abs(analytic)), finiteOrZero(Math.abs(central)));
    double tolerance =
        options.absoluteTolerance() + finiteOrZero(noise) + options.relativeTolerance() * scale;
    return new Comparison(index, analytic, central, tolerance, step);
  }

  /**
   * Evaluates the function at {@code x[j] ± h max(1, |x[j]|)}. The denominator is the step actually
   * taken, {@code (x + h) - (x - h)} after rounding to float (exact in double); sums run in double.
   * The noise is the model's, over the outputs that moved.
   */
  private Probe probe(Tensor x, int j, double h) {
    float[] d = x.data;
    float x0 = d[j];
    double scale = Math.max(1, Math.abs(x0));
    float plus = (float) (x0 + h * scale);
    float minus = (float) (x0 - h * scale);
    if (plus == x0) {
      plus = Math.nextUp(x0);
    }
    if (minus == x0) {
      minus = Math.nextDown(x0);
    }
    Probe p = new Probe();
    try {
      d[j] = plus;
      p.fPlus = evaluate();
      d[j] = minus;
      p.fMinus = evaluate();
    } finally {
      d[j] = x0;
    }
    double sum = 0;
    double up = 0;
    double down = 0;
    for (int k = 0; k < base.length; k++) {
      double v = gradOutput[k];
      sum += v * ((double) p.fPlus[k] - p.fMinus[k]);
      up += v * ((double) p.fPlus[k] - base[k]);
      down += v * ((double) base[k] - p.fMinus[k]);
    }
    p.step = (double) plus - minus;
    p.central = sum / p.step;
    p.forward = up / ((double) plus - x0);
    p.backward = down / ((double) x0 - minus);
    return p;
  }

  /**
   * The modelled rounding noise of a probe's numerator {@code vᵀ (f(x + h) - f(x - h))}: every
   * output that moved, and every one of the {@code dependents} (may be null) that did not, is taken
   * to be within one ulp of the exact function at each point.
   */
  private double modelNoise(Probe p, boolean[] dependents) {
    double noise = 0;
    for (int k = 0; k < base.length; k++) {
      boolean moved = p.fPlus[k] != p.fMinus[k] || p.fPlus[k] != base[k];
      if (moved || (dependents != null && dependents[k])) {
        noise += Math.abs(gradOutput[k]) * (Math.ulp(p.fPlus[k]) + Math.ulp(p.fMinus[k]));
      }
    }
    return noise;
  }

  /**
   * Compares {@code vᵀ J u} with a central difference along a random direction u (entries with
   * random signs and magnitudes in [0.5, 1.5), scaled like an element's step by {@code max(1,
   * |x|)}). As for elements, the analytic side uses the steps actually taken after rounding.
   */
  private Comparison project(Tensor x, float[] grad, Random random) {
    double h = options.step();
    float[] d = x.data;
    int n = x.numel();
    float[] original = d.clone();
    float[] plus = new float[n];
    float[] minus = new float[n];
    double analytic = 0;
    for (int j = 0; j < n; j++) {
      double u = (random.nextBoolean() ? 1 : -1) * (0.5 + random.nextDouble());
      double delta = h * Math.max(1, Math.abs(original[j])) * u;
      plus[j] = (float) (original[j] + delta);
      minus[j] = (float) (original[j] - delta);
      analytic += grad[j] * ((double) plus[j] - minus[j]);
    }
    float[] fPlus;
    float[] fMinus;
    try {
      System.arraycopy(plus, 0, d, 0, n);
      fPlus = evaluate();
      System.arraycopy(minus, 0, d, 0, n);
      fMinus = evaluate();
    } finally {
      System.arraycopy(original, 0, d, 0, n);
    }
    double sum = 0;
    double magnitude = 0;
    for (int k = 0; k < base.length; k++) {
      if (fPlus[k] != fMinus[k]) {
        sum += gradOutput[k] * ((double) fPlus[k] - fMinus[k]);
        magnitude += Math.abs(gradOutput[k]) * (Math.abs(fPlus[k]) + Math.abs(fMinus[k]));
      }
    }
    double step = 2 * h;
    return compare(null, analytic / step, sum / step, NOISE * magnitude / step, step);
  }

  private static double finiteOrZero(double value) {
    return Double.isFinite(value) ? value : 0;
  }

  static int[] unravel(int flat, int[] shape) {
    int[] index = new int[shape.length];
    for (int d = shape.length - 1; d >= 0; d--) {
      index[d] = flat % shape[d];
      flat /= shape[d];
    }
    return index;
  }
}
