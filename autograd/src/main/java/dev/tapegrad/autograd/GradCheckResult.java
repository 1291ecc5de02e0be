package dev.tapegrad.autograd;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.IntStream;

/**
 * The outcome of a {@link GradCheck}: for every input, whether its gradient matched finite
 * differences and the worst comparison made, plus a readable {@link #report()}.
 *
 * <p>The check passes when every input that requires grad passes. Inputs that do not require grad
 * are listed as not checked. Elements at a kink (see {@link GradCheck}) are skipped and listed,
 * never counted as failures.
 *
 * <p>The result and its parts are records: values compared by content (arrays included), which a
 * test can build to compare against; {@link GradCheck} is what makes them in practice.
 *
 * @param title the name of the check, the first line of the report
 * @param inputs one result per input of the function, in argument order
 */
public record GradCheckResult(String title, List<InputResult> inputs) {
  /** How many failing elements the report lists per input before it says "and N more". */
  private static final int REPORTED_FAILURES = 5;

  /** Copies {@code inputs}. */
  public GradCheckResult {
    inputs = List.copyOf(inputs);
  }

  /** Whether every checked input passed. */
  public boolean passed() {
    return inputs.stream().allMatch(InputResult::passed);
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

  /**
   * The result for one input.
   *
   * @param index the position of this input among the function's arguments
   * @param shape the input's shape
   * @param method how the input was covered
   * @param elementsChecked how many elements were compared one by one (0 when a projection alone
   *     decided)
   * @param worst the comparison with the largest error relative to its tolerance: the worst
   *     element, or the projection when that alone decided; empty for an unchecked or empty input
   * @param failures every failing element, in row-major order
   * @param kinks the indices of the elements skipped because the function has a kink there
   * @param projection the projection comparison, if one was made
   */
  public record InputResult(
      int index,
      int[] shape,
      Method method,
      int elementsChecked,
      Optional<Comparison> worst,
      List<Comparison> failures,
      List<int[]> kinks,
      Optional<Comparison> projection) {
    /** Copies the arrays and lists. */
    public InputResult {
      shape = shape.clone();
      failures = List.copyOf(failures);
      kinks = kinks.stream().map(int[]::clone).toList();
    }

    /** The input's shape (a copy). */
    @Override
    public int[] shape() {
      return shape.clone();
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

    /** The indices of the elements skipped because the function has a kink there (copies). */
    @Override
    public List<int[]> kinks() {
      return kinks.stream().map(int[]::clone).toList();
    }

    void appendTo(StringBuilder sb) {
      sb.append("  input ").append(index).append(' ').append(Arrays.toString(shape)).append(": ");
      if (method == Method.NOT_CHECKED) {
        sb.append("not checked (does not require grad)\n");
        return;
      }
      if (passed()) {
        sb.append(
            method == Method.PROJECTION
                ? "passed by random projection"
                : "passed, " + elementsChecked + " elements checked");
      } else {
        sb.append("FAILED at ")
            .append(failures.size())
            .append(" of ")
            .append(elementsChecked)
            .append(" elements");
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
        projection.ifPresent(p -> sb.append("    ").append(p).append('\n'));
      }
      int shown = Math.min(failures.size(), REPORTED_FAILURES);
      for (int i = 0; i < shown; i++) {
        sb.append("    ").append(failures.get(i)).append('\n');
      }
      if (failures.size() > shown) {
        sb.append("    ... and ").append(failures.size() - shown).append(" more\n");
      }
      worst.ifPresent(w -> sb.append("    worst: ").append(w).append('\n'));
    }

    /** Equal when every component is, comparing the shape and the kinks by content. */
    @Override
    public boolean equals(Object o) {
      return o instanceof InputResult r
          && index == r.index
          && Arrays.equals(shape, r.shape)
          && method == r.method
          && elementsChecked == r.elementsChecked
          && worst.equals(r.worst)
          && failures.equals(r.failures)
          && kinks.size() == r.kinks.size()
          && IntStream.range(0, kinks.size())
              .allMatch(i -> Arrays.equals(kinks.get(i), r.kinks.get(i)))
          && projection.equals(r.projection);
    }

    @Override
    public int hashCode() {
      int h = Objects.hash(index, method, elementsChecked, worst, failures, projection);
      h = 31 * h + Arrays.hashCode(shape);
      for (int[] k : kinks) {
        h = 31 * h + Arrays.hashCode(k);
      }
      return h;
    }

    @Override
    public String toString() {
      StringBuilder sb = new StringBuilder();
      appendTo(sb);
      return sb.toString().strip();
    }
  }

  /**
   * One comparison of an analytic derivative with its finite-difference estimate.
   *
   * @param index the element's index, one coordinate per dimension of the input (empty for a scalar
   *     input), or null for a random projection
   * @param analytic the derivative computed by the tape
   * @param numeric the derivative estimated by central differences
   * @param tolerance the largest error this comparison accepts
   * @param step the finite-difference step actually taken: {@code (x + h) - (x - h)} as rounded to
   *     float
   */
  public record Comparison(
      int[] index, double analytic, double numeric, double tolerance, double step) {
    /** Copies the index. */
    public Comparison {
      index = index == null ? null : index.clone();
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
    @Override
    public int[] index() {
      if (index == null) {
        throw new IllegalStateException("Comparison: a projection has no element index");
      }
      return index.clone();
    }

    /** {@code |analytic - numeric|}; NaN if either is not finite. */
    public double error() {
      if (!Double.isFinite(analytic) || !Double.isFinite(numeric)) {
        return Double.NaN;
      }
      return Math.abs(analytic - numeric);
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

    /** Equal when every component is, comparing the index by content. */
    @Override
    public boolean equals(Object o) {
      return o instanceof Comparison c
          && Arrays.equals(index, c.index)
          && Double.compare(analytic, c.analytic) == 0
          && Double.compare(numeric, c.numeric) == 0
          && Double.compare(tolerance, c.tolerance) == 0
          && Double.compare(step, c.step) == 0;
    }

    @Override
    public int hashCode() {
      return 31 * Objects.hash(analytic, numeric, tolerance, step) + Arrays.hashCode(index);
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
