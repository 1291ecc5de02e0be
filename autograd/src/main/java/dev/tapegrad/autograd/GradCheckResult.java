package dev.tapegrad.autograd;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The outcome of a {@link GradCheck}: for every input, whether its gradient matched finite
 * differences and the worst comparison made, plus a readable {@link #report()}.
 *
 * <p>The check passes when every input that requires grad passes. Inputs that do not require
 * grad are listed as not checked. Elements at a kink (see {@link GradCheck}) are skipped and
 * listed, never counted as failures.
 */
public final class GradCheckResult {
  /** How many failing elements the report lists per input before it says "and N more". */
  private static final int REPORTED_FAILURES = 5;

  private final String title;
  private final List<InputResult> inputs;

  GradCheckResult(String title, List<InputResult> inputs) {
    this.title = title;
    this.inputs = List.copyOf(inputs);
  }

  /** Whether every checked input passed. */
  public boolean passed() {
    return inputs.stream().allMatch(InputResult::passed);
  }

  /** One result per input of the function, in argument order. */
  public List<InputResult> inputs() {
    return inputs;
  }

  /** The result of input {@code index}. */
  public InputResult input(int index) {
    if (index < 0 || index >= inputs.size()) {
      throw new IndexOutOfBoundsException(
          String.format("GradCheckResult: input %d of %d", index, inputs.size()));
    }
    return inputs.get(index);
  }

  /** The first input that failed, if any. */
  public Optional<InputResult> firstFailure() {
    return inputs.stream().filter(r -> !r.passed()).findFirst();
  }

  /** A multi-line report: the verdict, then one paragraph per input. */
  public String report() {
    StringBuilder sb = new StringBuilder();
    sb.append(title).append(passed() ? ": passed" : ": FAILED").append('\n');
    for (InputResult r : inputs) {
      r.appendTo(sb);
    }
    return sb.toString();
  }

  @Override
  public String toString() {
    return report();
  }

  /** How the elements of one input were covered. */
  public enum Method {
    /** The input does not require grad. */
    NOT_CHECKED,
    /** Every element on its own. */
    ELEMENTS,
    /** One random projection, which passed. */
    PROJECTION,
    /** The random projection failed, so every element was then checked on its own. */
    PROJECTION_THEN_ELEMENTS
  }

  /** The result for one input. */
  public static final class InputResult {
    private final int index;
    private final int[] shape;
    private final Method method;
    private final int elementsChecked;
    private final Comparison worst;
    private final List<Comparison> failures;
    private final List<int[]> kinks;
    private final Comparison projection;

    InputResult(
        int index,
        int[] shape,
        Method method,
        int elementsChecked,
        Comparison worst,
        List<Comparison> failures,
        List<int[]> kinks,
        Comparison projection) {
      this.index = index;
      this.shape = shape.clone();
      this.method = method;
      this.elementsChecked = elementsChecked;
      this.worst = worst;
      this.failures = List.copyOf(failures);
      this.kinks = List.copyOf(kinks);
      this.projection = projection;
    }

    /** The position of this input among the function's arguments. */
    public int index() {
      return index;
    }

    /** The input's shape. */
    public int[] shape() {
      return shape.clone();
    }

    /** How the input was covered. */
    public Method method() {
      return method;
    }

    /** Whether the input was checked (it requires grad). */
    public boolean checked() {
      return method != Method.NOT_CHECKED;
    }

    /** True when every comparison passed (or the input was not checked). */
    public boolean passed() {
      // a failed projection is always followed by element checks, which decide
      return failures.isEmpty();
    }

    /** How many elements were compared one by one (0 when a projection alone decided). */
    public int elementsChecked() {
      return elementsChecked;
    }

    /**
     * The comparison with the largest error relative to its tolerance: the worst element, or the
     * projection when that alone decided. Empty for an unchecked or empty input.
     */
    public Optional<Comparison> worst() {
      return Optional.ofNullable(worst);
    }

    /** Every failing element, in row-major order. */
    public List<Comparison> failures() {
      return failures;
    }

    /** The indices of the elements skipped because the function has a kink there. */
    public List<int[]> kinks() {
      return kinks.stream().map(int[]::clone).toList();
    }

    /** The projection comparison, if one was made. */
    public Optional<Comparison> projection() {
      return Optional.ofNullable(projection);
    }

    void appendTo(StringBuilder sb) {
      sb.append("  input ").append(index).append(' ').append(Arrays.toString(shape)).append(": ");
      if (method == Method.NOT_CHECKED) {
        sb.append("not checked (does not require grad)\n");
        return;
      }
      if (passed()) {
        sb.append(method == Method.PROJECTION ? "passed by random projection" : "passed, " + elementsChecked + " elements checked");
      } else {
        sb.append("FAILED at ").append(failures.size()).append(" of ").append(elementsChecked).append(" elements");
      }
      if (method == Method.PROJECTION_THEN_ELEMENTS) {
        sb.append(" (after a failed random projection)");
      }
      if (!kinks.isEmpty()) {
        int shown = Math.min(kinks.size(), REPORTED_FAILURES);
        sb.append(", ").append(kinks.size()).append(" skipped at kinks (");
        for (int i = 0; i < shown; i++) {
          sb.append(i == 0 ? "" : " ").append(Arrays.toString(kinks.get(i)));
        }
        sb.append(kinks.size() > shown ? " ...)" : ")");
      }
      sb.append('\n');
      if (method == Method.PROJECTION_THEN_ELEMENTS) {
        sb.append("    ").append(projection).append('\n');
      }
      int shown = Math.min(failures.size(), REPORTED_FAILURES);
      for (int i = 0; i < shown; i++) {
        sb.append("    ").append(failures.get(i)).append('\n');
      }
      if (failures.size() > shown) {
        sb.append("    ... and ").append(failures.size() - shown).append(" more\n");
      }
      if (worst != null) {
        sb.append("    worst: ").append(worst).append('\n');
      }
    }
  }

  /** One comparison of an analytic derivative with its finite-difference estimate. */
  public static final class Comparison {
    private final int[] index;
    private final double analytic;
    private final double numeric;
    private final double tolerance;
    private final double step;

    Comparison(int[] index, double analytic, double numeric, double tolerance, double step) {
      this.index = index == null ? null : index.clone();
      this.analytic = analytic;
      this.numeric = numeric;
      this.tolerance = tolerance;
      this.step = step;
    }

    /** Whether this compares a random projection {@code vᵀ J u} rather than one element. */
    public boolean isProjection() {
      return index == null;
    }

    /**
     * The element's index, one coordinate per dimension of the input (empty for a scalar input).
     *
     * @throws IllegalStateException for a projection
     */
    public int[] index() {
      if (index == null) {
        throw new IllegalStateException("Comparison: a projection has no element index");
      }
      return index.clone();
    }

    /** The derivative computed by the tape. */
    public double analytic() {
      return analytic;
    }

    /** The derivative estimated by central differences. */
    public double numeric() {
      return numeric;
    }

    /** {@code |analytic - numeric|}; NaN if either is not finite. */
    public double error() {
      if (!Double.isFinite(analytic) || !Double.isFinite(numeric)) {
        return Double.NaN;
      }
      return Math.abs(analytic - numeric);
    }

    /** The largest error this comparison accepts. */
    public double tolerance() {
      return tolerance;
    }

    /** The finite-difference step actually taken: {@code (x + h) - (x - h)} as rounded to float. */
    public double step() {
      return step;
    }

    /** Whether the error is within tolerance (false when either value is not finite). */
    public boolean passed() {
      double e = error();
      return e <= tolerance;
    }

    /** The error divided by the tolerance; infinite when not finite. */
    double ratio() {
      double e = error();
      if (Double.isNaN(e)) {
        return Double.POSITIVE_INFINITY;
      }
      return tolerance > 0 ? e / tolerance : (e == 0 ? 0 : Double.POSITIVE_INFINITY);
    }

    @Override
    public String toString() {
      String where = index == null ? "projection vᵀJu" : "element " + Arrays.toString(index);
      return String.format(
          "%s: analytic %.7g, numeric %.7g, error %.3g %s tolerance %.3g (step %.3g)",
          where, analytic, numeric, error(), passed() ? "<=" : ">", tolerance, step);
    }
  }
}
