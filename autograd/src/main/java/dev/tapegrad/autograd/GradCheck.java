package dev.tapegrad.autograd;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Checks the gradients the tape computes for any function of tensors against finite differences, in
 * float32.
 *
 * <p>Use it from a JUnit test, for a custom {@link Function}, a model, or a composition of ops:
 *
 * <pre>{@code
 * @Test
 * void mySoftplusHasCorrectGradients() {
 *   Tensor x = Tensor.uniform(new Random(1), -2, 2, 3, 4).requiresGrad(true);
 *   Tensor w = Tensor.randn(2L, 4, 5).requiresGrad(true);
 *   GradCheck.assertGradients(in -> new MySoftplus().apply(in[0]).matmul(in[1]), x, w);
 *   GradCheck.assertSecondOrderGradients(in -> new MySoftplus().apply(in[0]).matmul(in[1]), x, w);
 * }
 * }</pre>
 *
 * <p>A failure throws an {@link AssertionError} whose message is the {@linkplain
 * GradCheckResult#report() report}: for each input, whether it passed, the failing elements by
 * multi-dimensional index with analytic and numeric values, error and tolerance. Call {@link
 * #check} instead to inspect a {@link GradCheckResult}.
 *
 * <h2>What is compared</h2>
 *
 * <ul>
 *   <li>Inputs that require grad are checked; the others are passed through unchanged and reported
 *       as not checked.
 *   <li>A non-scalar output is contracted with a random vector v (seeded, random signs, magnitudes
 *       in [0.5, 1.5)), so the check compares {@code vᵀ J} computed by one backward pass with
 *       finite differences of {@code vᵀ f}. A one-element output uses v = 1, so the report shows
 *       the true derivatives.
 *   <li>The function is evaluated on private copies of the inputs (the copies require grad like the
 *       originals, and grad mode is on, so a function may itself call {@link Autograd#grad}); the
 *       caller's tensors and their {@code grad()} are never touched. To check a function that reads
 *       tensors directly instead of through its arguments (a module and its parameters), set {@link
 *       GradCheckOptions.Builder#perturbInPlace}: the tensors themselves are then perturbed and
 *       always restored. The function must be deterministic: create any random generator (dropout)
 *       inside it from a fixed seed. It is evaluated twice at the starting point and the check
 *       refuses to run if the two results differ.
 *   <li>The output must be finite at the starting point.
 * </ul>
 *
 * <h2>Finite differences in float32</h2>
 *
 * PyTorch's gradcheck only trusts float64; tapegrad is float32 only, so the estimate is made with
 * care:
 *
 * <ul>
 *   <li>Central differences with the steps {@code h max(1, |x|)} and twice that, h = cbrt(float
 *       epsilon) ≈ 4.9e-3 by default.
 *   <li>The denominator is the step actually taken, {@code (x + h) - (x - h)} after both were
 *       rounded to float, not the nominal 2h.
 *   <li>Differences {@code f(x + h) - f(x - h)} are formed per output element and summed in double.
 *   <li>Each element's numeric derivative is a Richardson extrapolation of the central differences
 *       at steps h and 2h, {@code D(h) + (D(h) - D(2h)) / 3}, which cancels the truncation error of
 *       order h²; {@code |D(h) - D(2h)| / 3} bounds what is left.
 *   <li>An element passes when {@code |analytic - numeric| <= absoluteTolerance + noise +
 *       truncation + relativeTolerance * max(|analytic|, |numeric|)}. The noise term is this
 *       estimate's float32 rounding, taken first from the outputs' own resolution (every output
 *       that moved within one ulp of exact at each point), so a scalar loss costs no more than its
 *       last bit. Before an element is failed, its noise is measured instead, from second
 *       differences over steps of a few ulps (rounding inside the function, say cancellation in a
 *       softmax backward, can exceed an ulp of the output), and outputs that depend on it but did
 *       not move (their change lost to float32 resolution) join the estimate.
 *   <li>A failing element is retried with steps 4 and 16 times smaller only where a smaller step
 *       could change the verdict: the truncation estimate is a sizeable part of the disagreement
 *       (near a pole of log or division), the one-sided quotients show a kink inside the step, or a
 *       probe left the function's domain. A wrong derivative of a smooth function gives the same
 *       estimate at both steps and is not retried, so its tolerance is never widened.
 *   <li>Kinks (relu or abs at 0, ties in max, clamp at its bounds) are detected by comparing the
 *       forward and backward difference quotients: for a smooth function their gap shrinks in
 *       proportion to the step, at a kink it does not. Such elements are skipped and listed in the
 *       report, never failed.
 *   <li>{@link GradCheckOptions.Mode#AUTO} checks inputs of up to {@code maxElements} elements one
 *       by one (four evaluations each) and larger inputs by one random projection {@code vᵀ J u}
 *       (two evaluations). If a projection fails, every element of that input is checked, so the
 *       verdict and the report never rest on the projection alone. A projection is weaker than
 *       element checks against an error confined to a few elements of a large input; use {@link
 *       GradCheckOptions.Mode#FULL} where that matters.
 * </ul>
 *
 * <h2>Sensitivity, measured</h2>
 *
 * {@code GradCheckSensitivityTest} plants an error in one element of a custom function's backward
 * (exp, softplus, tanh, sigmoid, {@code sin x + 2x}, {@code x³/4 + x}) on inputs of 1x1 to 8x8 with
 * values in [-2, 2], checked through {@code sum()}, {@code mean()}, the identity and a matmul, with
 * the default options, 60 seeded runs per case. Errors of 1%, 3%, 10% and 30% were caught in every
 * run through every consumer (the test requires at least 95%, 99%, 100% and 100%). On 500 seeded
 * correct compositions of exp, log, division, tanh, softmax, logSumExp and matmul over inputs of
 * magnitude 1e-3 to 1e2, it raised no false alarm (it requires at most one). What it cannot see: an
 * error smaller than the absolute tolerance (1e-5 by default) plus the noise, which is what a
 * relative error in an element whose derivative is near zero amounts to (sin near ±π/2, x³ near 0);
 * and errors below about {@code 2 * relativeTolerance} (0.2%). An input larger than {@code
 * maxElements} is first checked by one random projection, which is weaker against an error in a
 * single element (use {@link GradCheckOptions.Mode#FULL}).
 *
 * <h2>Second order</h2>
 *
 * {@link #checkSecondOrder} checks the derivative of the first-order gradient, like PyTorch's
 * gradgradcheck: the first-order gradient {@code g(x) = ∂(vᵀ f)/∂x} (for every input that requires
 * grad, flattened and concatenated) is computed with {@code Autograd.grad(..., createGraph =
 * true)}, and that function of the inputs is itself checked as above, with a second random vector.
 * It catches backward formulas that give the right values with ops the tape does not record (raw
 * arrays), or that differentiate wrongly.
 *
 * <p>Performance note: an element check costs four evaluations of the function (up to twenty for an
 * element that fails at the first steps), so a full check is quadratic in the input size for dense
 * functions. Keep the inputs small (a few hundred elements) or rely on projections. A second-order
 * check evaluates a forward and a recorded backward pass each time.
 */
public final class GradCheck {
  private GradCheck() {}

  /** A function of tensors returning one tensor, the subject of a check. */
  @FunctionalInterface
  public interface TensorFunction {
    /**
     * Computes the output from the inputs, in argument order. To check several outputs at once,
     * return them flattened and concatenated.
     */
    Tensor apply(Tensor... inputs);
  }

  /** Checks first derivatives with the {@linkplain GradCheckOptions#defaults() default options}. */
  public static GradCheckResult check(TensorFunction fn, Tensor... inputs) {
    return check(GradCheckOptions.defaults(), fn, inputs);
  }

  /**
   * Checks the gradient of {@code fn} with respect to every input that requires grad.
   *
   * @throws IllegalArgumentException if no input requires grad, or the function returns null, a
   *     non-finite output at the inputs or a differently shaped output at a perturbed point, is not
   *     deterministic, or reads an input directly rather than through its argument (see {@link
   *     GradCheckOptions.Builder#perturbInPlace})
   */
  public static GradCheckResult check(
      GradCheckOptions options, TensorFunction fn, Tensor... inputs) {
    return new GradChecker(options, fn, inputs).run("GradCheck (first order)");
  }

  /**
   * Checks first derivatives with the default options and throws an {@link AssertionError} with the
   * report if any input fails. Returns the result otherwise.
   */
  public static GradCheckResult assertGradients(TensorFunction fn, Tensor... inputs) {
    return assertGradients(GradCheckOptions.defaults(), fn, inputs);
  }

  /** As {@link #assertGradients(TensorFunction, Tensor...)}, with the given options. */
  public static GradCheckResult assertGradients(
      GradCheckOptions options, TensorFunction fn, Tensor... inputs) {
    return assertPassed(check(options, fn, inputs));
  }

  /** Checks second derivatives with the default options. */
  public static GradCheckResult checkSecondOrder(TensorFunction fn, Tensor... inputs) {
    return checkSecondOrder(GradCheckOptions.defaults(), fn, inputs);
  }

  /**
   * Checks the derivative of the first-order gradient of {@code fn} (see the class documentation).
   * The report's elements are elements of the inputs; its values are {@code wᵀ ∂g/∂x} for the
   * gradient g and a random vector w.
   */
  public static GradCheckResult checkSecondOrder(
      GradCheckOptions options, TensorFunction fn, Tensor... inputs) {
    checkArgument(fn != null, "GradCheck: function is null");
    checkArgument(inputs != null, "GradCheck: inputs are null");
    boolean[] wrt = new boolean[inputs.length];
    for (int i = 0; i < inputs.length; i++) {
      checkArgument(inputs[i] != null, "GradCheck: input %s is null", i);
      wrt[i] = inputs[i].requiresGrad();
    }
    FirstOrderGradient gradient =
        new FirstOrderGradient(
            fn, wrt, options.seed(), options.perturbInPlace() ? null : inputs.clone());
    return new GradChecker(options, gradient, inputs).run("GradCheck (second order)");
  }

  /**
   * Checks second derivatives with the default options; throws an {@link AssertionError} on
   * failure.
   */
  public static GradCheckResult assertSecondOrderGradients(TensorFunction fn, Tensor... inputs) {
    return assertSecondOrderGradients(GradCheckOptions.defaults(), fn, inputs);
  }

  /** As {@link #assertSecondOrderGradients(TensorFunction, Tensor...)}, with the given options. */
  public static GradCheckResult assertSecondOrderGradients(
      GradCheckOptions options, TensorFunction fn, Tensor... inputs) {
    return assertPassed(checkSecondOrder(options, fn, inputs));
  }

  private static GradCheckResult assertPassed(GradCheckResult result) {
    if (!result.passed()) {
      throw new AssertionError(result.report());
    }
    return result;
  }

  /**
   * {@code x -> ∂(vᵀ f(x))/∂x} for the inputs that require grad, flattened and concatenated,
   * recorded (createGraph) so that it can be differentiated again. v is drawn once, from the first
   * output's shape, and reused at every point.
   */
  private static final class FirstOrderGradient implements TensorFunction {
    private final TensorFunction fn;
    private final boolean[] wrt;
    private final long seed;
    private final Tensor[] originals;
    private int[] outShape;
    private float[] v;

    /**
     * {@code originals}: the caller's tensors, which the function must not read directly; or null.
     */
    FirstOrderGradient(TensorFunction fn, boolean[] wrt, long seed, Tensor[] originals) {
      this.fn = fn;
      this.wrt = wrt;
      this.seed = seed;
      this.originals = originals;
    }

    @Override
    public Tensor apply(Tensor... inputs) {
      Tensor out = fn.apply(inputs);
      checkArgument(out != null, "GradCheck: the function returned null");
      if (v == null) {
        outShape = out.shape();
        // a stream of its own, so that v and the checker's second vector are unrelated
        v = GradChecker.gradOutput(new Random(~seed), outShape);
      } else if (!Arrays.equals(outShape, out.shapeRef())) {
        throw new IllegalArgumentException(
            String.format(
                "GradCheck: the output shape changed from %s to %s when an input was perturbed",
                Shapes.format(outShape), Shapes.format(out.shapeRef())));
      }
      List<Tensor> xs = new ArrayList<>();
      for (int i = 0; i < inputs.length; i++) {
        if (wrt[i]) {
          xs.add(inputs[i]);
        }
      }
      Tensor[] grads =
          GradChecker.vectorJacobian(out, new Tensor(v.clone(), outShape), xs, originals, true);
      List<Tensor> parts = new ArrayList<>();
      for (int i = 0; i < grads.length; i++) {
        parts.add(grads[i] == null ? Tensor.zeros(xs.get(i).numel()) : grads[i].reshape(-1));
      }
      return parts.size() == 1 ? parts.get(0) : Tensor.cat(parts, 0);
    }
  }
}
