package dev.tapegrad.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tapegrad.autograd.GradCheckResult.Comparison;
import dev.tapegrad.autograd.GradCheckResult.InputResult;
import dev.tapegrad.autograd.GradCheckResult.Method;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * GradCheck passes correct gradients and fails planted bugs, pointing at the right input and
 * element. Every bug is a {@link Function} with a deliberately wrong backward.
 */
class GradCheckTest {

  private static Tensor param(long seed, int... shape) {
    return Tensor.uniform(new Random(seed), -2f, 2f, shape).requiresGrad(true);
  }

  private static List<String> indices(List<Comparison> comparisons) {
    return comparisons.stream().map(c -> Arrays.toString(c.index())).collect(Collectors.toList());
  }

  // ---------------------------------------------------------------- planted bugs

  /** x * y whose gradient to y has the wrong sign. */
  static final class SignFlippedMul extends Function {
    @Override
    protected Tensor forward(Context ctx, Tensor... in) {
      ctx.saveForBackward(in[0], in[1]);
      return in[0].mul(in[1]);
    }

    @Override
    protected Tensor[] backward(Context ctx, Tensor g) {
      return new Tensor[] {g.mul(ctx.saved(1)), g.mul(ctx.saved(0)).neg()};
    }
  }

  /** x² whose gradient forgets the factor 2. */
  static final class HalfSquare extends Function {
    @Override
    protected Tensor forward(Context ctx, Tensor... in) {
      ctx.saveForBackward(in[0]);
      return in[0].square();
    }

    @Override
    protected Tensor[] backward(Context ctx, Tensor g) {
      return new Tensor[] {g.mul(ctx.saved(0))};
    }
  }

  /** x * y + z whose gradient for y lands on z, leaving y with none. */
  static final class MisroutedMulAdd extends Function {
    @Override
    protected Tensor forward(Context ctx, Tensor... in) {
      ctx.saveForBackward(in[0], in[1]);
      return in[0].mul(in[1]).add(in[2]);
    }

    @Override
    protected Tensor[] backward(Context ctx, Tensor g) {
      return new Tensor[] {g.mul(ctx.saved(1)), null, g.mul(ctx.saved(0))};
    }
  }

  /** a [3, 1] + b [3, 4] whose gradient to a takes the first column instead of the row sums. */
  static final class UnsummedBroadcastAdd extends Function {
    @Override
    protected Tensor forward(Context ctx, Tensor... in) {
      return in[0].add(in[1]);
    }

    @Override
    protected Tensor[] backward(Context ctx, Tensor g) {
      return new Tensor[] {g.narrow(1, 0, 1), g};
    }
  }

  /** x³ whose backward is right in value but built from raw arrays, so it has no derivative. */
  static final class RawCube extends Function {
    @Override
    protected Tensor forward(Context ctx, Tensor... in) {
      ctx.saveForBackward(in[0]);
      return in[0].pow(3f);
    }

    @Override
    protected Tensor[] backward(Context ctx, Tensor g) {
      float[] x = ctx.saved(0).toFloatArray();
      float[] d = new float[x.length];
      for (int i = 0; i < x.length; i++) {
        d[i] = 3 * x[i] * x[i];
      }
      return new Tensor[] {g.mul(Tensor.of(d, ctx.saved(0).shape()))};
    }
  }

  /** relu whose gradient for positive inputs is 0.5 instead of 1. */
  static final class WeakRelu extends Function {
    @Override
    protected Tensor forward(Context ctx, Tensor... in) {
      ctx.saveForBackward(in[0]);
      return in[0].relu();
    }

    @Override
    protected Tensor[] backward(Context ctx, Tensor g) {
      return new Tensor[] {g.mul(ctx.saved(0).gt(0f)).mul(0.5f)};
    }
  }

  // ---------------------------------------------------------------- correct gradients pass

  @Test
  void resultsAreValuesComparedByContent() {
    Tensor x = param(7, 2, 3);
    GradCheckResult first = GradCheck.check(in -> in[0].tanh().sum(), x);
    GradCheckResult again = GradCheck.check(in -> in[0].tanh().sum(), x);
    assertEquals(first, again, "the same check twice gives equal results");
    assertEquals(first.hashCode(), again.hashCode());
    InputResult input = first.input(0);
    int[] shape = input.shape();
    shape[0] = 99;
    assertArrayEquals(new int[] {2, 3}, input.shape(), "shape() is a copy");
    Comparison c = new Comparison(new int[] {1, 2}, 0.5, 0.5, 1e-3, 1e-2);
    assertEquals(c, new Comparison(new int[] {1, 2}, 0.5, 0.5, 1e-3, 1e-2));
    assertFalse(c.equals(new Comparison(new int[] {1, 3}, 0.5, 0.5, 1e-3, 1e-2)));
    assertTrue(new Comparison(null, 1, 1, 0, 0).isProjection());
  }

  @Test
  void passesOnCorrectOpsAndReportsEveryElement() {
    Tensor x = param(1, 3, 4);
    Tensor w = param(2, 4, 5);
    GradCheckResult result = GradCheck.check(in -> in[0].tanh().matmul(in[1]).sigmoid(), x, w);
    assertTrue(result.passed(), result::report);
    assertEquals(2, result.inputs().size());
    assertEquals(Method.ELEMENTS, result.input(0).method());
    assertEquals(12, result.input(0).elementsChecked());
    assertEquals(20, result.input(1).elementsChecked());
    Comparison worst = result.input(1).worst().orElseThrow();
    assertTrue(worst.passed());
    assertTrue(worst.error() <= worst.tolerance());
    assertEquals(2, worst.index().length);
    assertTrue(result.report().startsWith("GradCheck (first order): passed"), result::report);
  }

  @Test
  void scalarOutputComparesTheTrueDerivative() {
    Tensor x = Tensor.of(new float[] {0.5f, -1f, 1.5f}, 3).requiresGrad(true);
    GradCheckResult result = GradCheck.check(in -> in[0].pow(3f).sum(), x);
    assertTrue(result.passed(), result::report);
    // d sum(x^3) / dx = 3 x^2; the largest is at x = 1.5
    Comparison worst = result.input(0).worst().orElseThrow();
    for (int j = 0; j < 3; j++) {
      assertTrue(result.input(0).failures().isEmpty());
    }
    assertEquals(3 * x.get(worst.index()[0]) * x.get(worst.index()[0]), worst.analytic(), 1e-4);
  }

  @Test
  void secondOrderPassesOnCorrectOps() {
    Tensor x = param(3, 2, 3);
    Tensor w = param(4, 3, 2);
    GradCheckResult result =
        GradCheck.checkSecondOrder(in -> in[0].tanh().matmul(in[1]).softplus(), x, w);
    assertTrue(result.passed(), result::report);
    assertTrue(result.report().startsWith("GradCheck (second order): passed"), result::report);
    assertEquals(6, result.input(0).elementsChecked());
  }

  @Test
  void identityAndLinearFunctionsPass() {
    Tensor x = param(5, 4);
    assertTrue(GradCheck.check(in -> in[0], x).passed());
    // linear: the first-order gradient is constant, its derivative zero
    GradCheckResult second = GradCheck.checkSecondOrder(in -> in[0].mul(3f).sum(), x);
    assertTrue(second.passed(), second::report);
    assertEquals(0.0, second.input(0).worst().orElseThrow().analytic());
  }

  @Test
  void meanLossOverManyElementsPassesDespiteRounding() {
    // a large loss value with small per-element derivatives: rounding noise dominates the estimate
    Tensor logits = Tensor.randn(6L, 40, 10).mul(3f).add(20f).requiresGrad(true);
    int[] targets = new int[40];
    for (int i = 0; i < targets.length; i++) {
      targets[i] = i % 10;
    }
    GradCheckResult result =
        GradCheck.check(in -> Functional.crossEntropy(in[0], targets).mul(50f), logits);
    assertTrue(result.passed(), result::report);
  }

  @Test
  void functionsThatCallAutogradGradThemselvesCanBeChecked() {
    // a gradient penalty: |d sum(x^3) / dx|^2
    Tensor x = param(7, 5);
    GradCheckResult result =
        GradCheck.check(
            in -> {
              Tensor g = Autograd.grad(in[0].pow(3f).sum(), List.of(in[0]), true).get(0);
              return g.square().sum();
            },
            x);
    assertTrue(result.passed(), result::report);
  }

  // ---------------------------------------------------------------- planted bugs fail

  @Test
  void signFlipFailsOnTheRightInput() {
    Tensor x = param(10, 2, 3);
    Tensor y = param(11, 2, 3);
    GradCheckResult result = GradCheck.check(in -> new SignFlippedMul().apply(in[0], in[1]), x, y);
    assertFalse(result.passed());
    assertTrue(result.input(0).passed(), result::report);
    InputResult bad = result.input(1);
    assertFalse(bad.passed());
    assertEquals(1, result.firstFailure().orElseThrow().index());
    assertEquals(6, bad.failures().size());
    for (Comparison c : bad.failures()) {
      assertEquals(-c.numeric(), c.analytic(), 1e-2 * Math.abs(c.numeric()) + 1e-4);
    }
    assertTrue(
        result.report().contains("input 1 [2, 3]: FAILED at 6 of 6 elements"), result::report);
  }

  @Test
  void missingFactorTwoFailsAtTheLargestElement() {
    Tensor x =
        Tensor.of(new float[] {0.5f, -1.0f, 1.5f, 0.8f, 1.9f, -0.3f}, 2, 3).requiresGrad(true);
    GradCheckResult result = GradCheck.check(in -> new HalfSquare().apply(in[0]).sum(), x);
    InputResult r = result.input(0);
    assertFalse(r.passed());
    assertEquals(6, r.failures().size());
    Comparison worst = r.worst().orElseThrow();
    assertArrayEquals(new int[] {1, 1}, worst.index());
    assertEquals(1.9, worst.analytic(), 1e-6);
    assertEquals(3.8, worst.numeric(), 1e-2);
    assertTrue(worst.error() > worst.tolerance());
    assertTrue(
        result.report().contains("worst: element [1, 1]: analytic 1.900000, numeric 3.8"),
        result::report);
  }

  @Test
  void gradientSentToTheWrongInputFailsBothAffectedInputs() {
    Tensor x = param(20, 4);
    Tensor y = param(21, 4);
    Tensor z = param(22, 4);
    GradCheckResult result =
        GradCheck.check(in -> new MisroutedMulAdd().apply(in[0], in[1], in[2]), x, y, z);
    assertTrue(result.input(0).passed(), result::report);
    assertFalse(result.input(1).passed());
    assertFalse(result.input(2).passed());
    // y got no gradient at all
    for (Comparison c : result.input(1).failures()) {
      assertEquals(0.0, c.analytic());
    }
    assertEquals(List.of("[0]", "[1]", "[2]", "[3]"), indices(result.input(1).failures()));
    assertEquals(1, result.firstFailure().orElseThrow().index());
  }

  @Test
  void broadcastNotSummedBackFailsOnTheBroadcastInputOnly() {
    Tensor a = param(30, 3, 1);
    Tensor b = param(31, 3, 4);
    GradCheckResult result =
        GradCheck.check(in -> new UnsummedBroadcastAdd().apply(in[0], in[1]), a, b);
    assertFalse(result.passed());
    assertTrue(result.input(1).passed(), result::report);
    assertEquals(List.of("[0, 0]", "[1, 0]", "[2, 0]"), indices(result.input(0).failures()));
    assertTrue(
        result.report().contains("input 0 [3, 1]: FAILED at 3 of 3 elements"), result::report);
    assertTrue(
        result.report().contains("input 1 [3, 4]: passed, 12 elements checked"), result::report);
  }

  @Test
  void rawArrayBackwardPassesFirstOrderButFailsSecondOrder() {
    Tensor x = Tensor.of(new float[] {0.5f, -1.2f, 1.7f}, 3).requiresGrad(true);
    GradCheck.TensorFunction cube = in -> new RawCube().apply(in[0]).sum();
    assertTrue(GradCheck.check(cube, x).passed());
    GradCheckResult second = GradCheck.checkSecondOrder(cube, x);
    InputResult r = second.input(0);
    assertFalse(r.passed(), second::report);
    assertEquals(List.of("[0]", "[1]", "[2]"), indices(r.failures()));
    // the tape sees a constant gradient; the true second derivative is 6x (times the random w)
    for (Comparison c : r.failures()) {
      assertEquals(0.0, c.analytic());
      assertTrue(Math.abs(c.numeric()) > 1.0, second::report);
    }
    assertTrue(second.report().startsWith("GradCheck (second order): FAILED"), second::report);
  }

  @Test
  void assertGradientsThrowsWithTheReport() {
    Tensor x = param(40, 2, 2);
    Tensor y = param(41, 2, 2);
    AssertionError e =
        assertThrows(
            AssertionError.class,
            () -> GradCheck.assertGradients(in -> new SignFlippedMul().apply(in[0], in[1]), x, y));
    assertTrue(e.getMessage().contains("input 1 [2, 2]: FAILED"), e.getMessage());
    assertTrue(e.getMessage().contains("element [0, 0]: analytic"), e.getMessage());
    assertTrue(e.getMessage().contains("tolerance"), e.getMessage());
    GradCheckResult ok = GradCheck.assertGradients(in -> in[0].mul(in[1]), x, y);
    assertTrue(ok.passed());
    AssertionError second =
        assertThrows(
            AssertionError.class,
            () -> GradCheck.assertSecondOrderGradients(in -> new RawCube().apply(in[0]).sum(), x));
    assertTrue(second.getMessage().contains("input 0 [2, 2]: FAILED"), second.getMessage());
  }

  // ---------------------------------------------------------------- kinks

  @Test
  void kinksAreSkippedAndListed() {
    Tensor x = Tensor.of(new float[] {-1f, 0f, 2f, 0f}, 4).requiresGrad(true);
    GradCheckResult result = GradCheck.check(in -> in[0].relu().mul(in[0].abs().add(1f)), x);
    assertTrue(result.passed(), result::report);
    assertEquals(
        List.of("[1]", "[3]"), result.input(0).kinks().stream().map(Arrays::toString).toList());
    assertEquals(2, result.input(0).elementsChecked());
    assertTrue(
        result
            .report()
            .contains("input 0 [4]: passed, 2 elements checked, 2 skipped at kinks ([1] [3])"),
        result::report);
  }

  @Test
  void tiesInMaxAreKinks() {
    Tensor x = Tensor.of(new float[] {1f, 3f, 3f, 0f, -2f, 5f}, 2, 3).requiresGrad(true);
    GradCheckResult result = GradCheck.check(in -> in[0].max(1, false), x);
    assertTrue(result.passed(), result::report);
    assertEquals(
        List.of("[0, 1]", "[0, 2]"),
        result.input(0).kinks().stream().map(Arrays::toString).toList());
  }

  @Test
  void nearAKinkTheSmallerStepDecides() {
    // 1e-3 and 4e-4 lie inside the first step (4.9e-3) and its quarter, outside its sixteenth
    Tensor x = Tensor.of(new float[] {1e-3f, -1e-3f, 4e-4f}, 3).requiresGrad(true);
    GradCheckResult result = GradCheck.check(in -> in[0].relu().sum(), x);
    assertTrue(result.passed(), result::report);
    assertTrue(result.input(0).kinks().isEmpty(), result::report);
    assertEquals(3, result.input(0).elementsChecked());
  }

  @Test
  void kinkDetectionDoesNotHideAWrongGradient() {
    Tensor x = Tensor.of(new float[] {-1f, 0.7f, 0f, 1.3f}, 4).requiresGrad(true);
    GradCheckResult result = GradCheck.check(in -> new WeakRelu().apply(in[0]).sum(), x);
    InputResult r = result.input(0);
    assertFalse(r.passed());
    assertEquals(List.of("[1]", "[3]"), indices(r.failures()));
    assertEquals(List.of("[2]"), r.kinks().stream().map(Arrays::toString).toList());
  }

  @Test
  void nearAPoleTheSmallerStepDecides() {
    // 1 / x at 0.02: the first step is a quarter of x, far too coarse for the curvature
    Tensor x = Tensor.of(new float[] {0.02f, -0.03f, 1f}, 3).requiresGrad(true);
    GradCheckResult result = GradCheck.check(in -> in[0].rdiv(1f), x);
    assertTrue(result.passed(), result::report);
    assertTrue(result.input(0).kinks().isEmpty());
  }

  @Test
  void truncationErrorJustAboveTheToleranceIsRetried() {
    // x^3 near 0: the derivative 3x^2 is small, the truncation error (h^2 f''' / 6 = h^2) is not
    for (float v : new float[] {0.0686f, 0.05f, -0.06f, 0.08f}) {
      Tensor x = Tensor.vector(v).requiresGrad(true);
      GradCheckResult result = GradCheck.check(in -> in[0].pow(3f), x);
      assertTrue(result.passed(), result::report);
    }
  }

  // ---------------------------------------------------------------- modes

  @Test
  void projectionModePassesWithOneComparison() {
    Tensor x = param(50, 6, 5);
    Tensor w = param(51, 5, 4);
    GradCheckOptions options =
        GradCheckOptions.builder().mode(GradCheckOptions.Mode.PROJECTION).build();
    GradCheckResult result = GradCheck.check(options, in -> in[0].matmul(in[1]).tanh(), x, w);
    assertTrue(result.passed(), result::report);
    assertEquals(Method.PROJECTION, result.input(0).method());
    assertEquals(0, result.input(0).elementsChecked());
    assertTrue(result.input(0).worst().orElseThrow().isProjection());
    assertThrows(IllegalStateException.class, () -> result.input(0).worst().orElseThrow().index());
    assertTrue(
        result.report().contains("input 0 [6, 5]: passed by random projection"), result::report);
  }

  @Test
  void failedProjectionFallsBackToElements() {
    Tensor a = param(60, 3, 1);
    Tensor b = param(61, 3, 4);
    GradCheckOptions options =
        GradCheckOptions.builder().mode(GradCheckOptions.Mode.PROJECTION).build();
    GradCheckResult result =
        GradCheck.check(options, in -> new UnsummedBroadcastAdd().apply(in[0], in[1]), a, b);
    InputResult r = result.input(0);
    assertEquals(Method.PROJECTION_THEN_ELEMENTS, r.method());
    assertFalse(r.projection().orElseThrow().passed());
    assertEquals(List.of("[0, 0]", "[1, 0]", "[2, 0]"), indices(r.failures()));
    assertEquals(Method.PROJECTION, result.input(1).method());
    assertTrue(
        result
            .report()
            .contains(
                "input 0 [3, 1]: FAILED at 3 of 3 elements (after a failed random projection)"),
        result::report);
  }

  @Test
  void autoModeProjectsOnlyLargeInputs() {
    Tensor small = param(70, 6);
    Tensor large = param(71, 4, 6);
    GradCheckOptions options = GradCheckOptions.builder().maxElements(10).build();
    GradCheckResult result =
        GradCheck.check(options, in -> in[1].matmul(in[0]).exp(), small, large);
    assertTrue(result.passed(), result::report);
    assertEquals(Method.ELEMENTS, result.input(0).method());
    assertEquals(Method.PROJECTION, result.input(1).method());
    GradCheckResult full =
        GradCheck.check(
            options.toBuilder().mode(GradCheckOptions.Mode.FULL).build(),
            in -> in[1].matmul(in[0]).exp(),
            small,
            large);
    assertEquals(Method.ELEMENTS, full.input(1).method());
    assertEquals(24, full.input(1).elementsChecked());
  }

  @Test
  void aLooseToleranceAcceptsAndATightOneRejects() {
    Tensor x = Tensor.of(new float[] {1f, 2f}, 2).requiresGrad(true);
    // (1 + 1e-2) x: a 1% error
    Function scaled =
        new Function() {
          @Override
          protected Tensor forward(Context ctx, Tensor... in) {
            return in[0].mul(2f);
          }

          @Override
          protected Tensor[] backward(Context ctx, Tensor g) {
            return new Tensor[] {g.mul(2.02f)};
          }
        };
    assertFalse(GradCheck.check(in -> scaled.apply(in[0]), x).passed());
    GradCheckOptions loose = GradCheckOptions.builder().relativeTolerance(0.05).build();
    assertTrue(GradCheck.check(loose, in -> scaled.apply(in[0]), x).passed());
  }

  // ---------------------------------------------------------------- tensors read directly

  @Test
  void perturbInPlaceChecksTensorsTheFunctionReadsDirectly() {
    Tensor w = param(100, 3, 2);
    Tensor b = param(101, 2);
    Tensor x = Tensor.uniform(new Random(3), -1f, 1f, 4, 3);
    float[] wBefore = w.toFloatArray();
    float[] bBefore = b.toFloatArray();
    // like a module's forward: it reads its parameters, not the function's arguments
    GradCheck.TensorFunction layer = in -> x.matmul(w).add(b).tanh();
    GradCheckOptions inPlace = GradCheckOptions.builder().perturbInPlace(true).build();
    GradCheckResult result = GradCheck.check(inPlace, layer, w, b);
    assertTrue(result.passed(), result::report);
    assertEquals(6, result.input(0).elementsChecked());
    assertEquals(2, result.input(1).elementsChecked());
    GradCheckResult second = GradCheck.checkSecondOrder(inPlace, layer, w, b);
    assertTrue(second.passed(), second::report);
    assertArrayEquals(wBefore, w.toFloatArray());
    assertArrayEquals(bBefore, b.toFloatArray());
    assertNull(w.grad());
    assertNull(b.grad());
  }

  @Test
  void aFunctionReadingTheCallersTensorIsRefusedRatherThanPassedVacuously() {
    Tensor w = param(102, 3, 2);
    Tensor x = Tensor.uniform(new Random(4), -1f, 1f, 4, 3);
    GradCheck.TensorFunction layer = in -> x.matmul(w).tanh();
    IllegalArgumentException first =
        assertThrows(IllegalArgumentException.class, () -> GradCheck.check(layer, w));
    assertTrue(first.getMessage().contains("reads input 0 [3, 2] directly"), first.getMessage());
    assertTrue(first.getMessage().contains("perturbInPlace"), first.getMessage());
    IllegalArgumentException second =
        assertThrows(IllegalArgumentException.class, () -> GradCheck.checkSecondOrder(layer, w));
    assertTrue(second.getMessage().contains("reads input 0 [3, 2] directly"), second.getMessage());
  }

  @Test
  void perturbInPlaceFindsBugsAndRestoresValuesEvenWhenTheFunctionThrows() {
    Tensor x = param(103, 2, 3);
    Tensor y = param(104, 2, 3);
    float[] xBefore = x.toFloatArray();
    GradCheckOptions inPlace = GradCheckOptions.builder().perturbInPlace(true).build();
    GradCheckResult result = GradCheck.check(inPlace, in -> new SignFlippedMul().apply(x, y), x, y);
    assertTrue(result.input(0).passed(), result::report);
    assertEquals(6, result.input(1).failures().size());
    int[] calls = {0};
    assertThrows(
        IllegalStateException.class,
        () ->
            GradCheck.check(
                inPlace,
                in -> {
                  if (++calls[0] == 5) {
                    throw new IllegalStateException("evaluation failed");
                  }
                  return x.exp();
                },
                x));
    assertArrayEquals(xBefore, x.toFloatArray());
  }

  @Test
  void perturbInPlaceRefusesTensorsSharingStorage() {
    Tensor w = param(105, 2, 3);
    GradCheckOptions inPlace = GradCheckOptions.builder().perturbInPlace(true).build();
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> GradCheck.check(inPlace, in -> in[0].mul(in[1]), w, w.detach()));
    assertTrue(
        e.getMessage().contains("inputs 0 [2, 3] and 1 [2, 3] share storage"), e.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () -> GradCheck.check(inPlace, in -> in[0].sum().mul(in[1]), w, w.reshape(6)));
    // private copies are independent, so the same inputs are fine by default
    assertTrue(GradCheck.check(in -> in[0].mul(in[1]), w, w.detach()).passed());
  }

  // ---------------------------------------------------------------- inputs and misuse

  @Test
  void inputsThatDoNotRequireGradAreNotChecked() {
    Tensor x = param(80, 3);
    Tensor c = Tensor.vector(1f, 2f, 3f);
    GradCheckResult result = GradCheck.check(in -> in[0].mul(in[1]), x, c);
    assertTrue(result.passed());
    assertFalse(result.input(1).checked());
    assertEquals(Method.NOT_CHECKED, result.input(1).method());
    assertTrue(result.input(1).worst().isEmpty());
    assertTrue(
        result.report().contains("input 1 [3]: not checked (does not require grad)"),
        result::report);
  }

  @Test
  void callersTensorsAreNeverTouched() {
    Tensor x = param(90, 2, 3);
    float[] before = x.toFloatArray();
    GradCheck.check(in -> in[0].exp().sum(), x);
    GradCheck.checkSecondOrder(in -> in[0].exp().sum(), x);
    assertArrayEquals(before, x.toFloatArray());
    assertNull(x.grad());
    assertTrue(x.isLeaf());
  }

  @Test
  void aGraphTheFunctionClosesOverSurvivesTheCheck() {
    Tensor w = param(96, 3);
    Tensor h = w.tanh(); // part of the caller's graph, used by the function
    Tensor x = param(97, 3);
    assertTrue(GradCheck.check(in -> in[0].mul(h), x).passed());
    h.sum().backward();
    assertEquals(3, w.grad().numel());
  }

  @Test
  void worksInsideNoGrad() {
    Tensor x = param(91, 3);
    try (var scope = Autograd.noGrad()) {
      assertTrue(GradCheck.check(in -> in[0].sin(), x).passed());
    }
    assertTrue(Autograd.isGradEnabled());
  }

  @Test
  void rejectsMisuseWithClearMessages() {
    Tensor x = param(92, 3);
    IllegalArgumentException none =
        assertThrows(
            IllegalArgumentException.class,
            () -> GradCheck.check(in -> in[0].exp(), Tensor.vector(1f)));
    assertTrue(none.getMessage().contains("no input requires grad"));
    IllegalArgumentException random =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                GradCheck.check(
                    in -> Functional.dropout(in[0], 0.5f, true, new Random()), param(93, 50)));
    assertTrue(random.getMessage().contains("not deterministic"), random.getMessage());
    IllegalArgumentException nan =
        assertThrows(
            IllegalArgumentException.class,
            () -> GradCheck.check(in -> in[0].log(), Tensor.zeros(3).requiresGrad(true)));
    assertTrue(nan.getMessage().contains("-Infinity at [0]"), nan.getMessage());
    assertThrows(IllegalArgumentException.class, () -> GradCheck.check(in -> null, x));
    Tensor half = Tensor.scalar(0.5f).requiresGrad(true);
    IllegalArgumentException shape =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                GradCheck.check(
                    in -> in[0].item() >= 0.5f ? in[0].mul(2f) : in[0].reshape(1), half));
    assertTrue(
        shape.getMessage().contains("output shape changed from [] to [1]"), shape.getMessage());
  }

  @Test
  void optionsValidateAndRoundTrip() {
    GradCheckOptions d = GradCheckOptions.defaults();
    assertEquals(Math.cbrt(Math.ulp(1f)), d.step(), 1e-12);
    assertEquals(1e-3, d.relativeTolerance());
    assertEquals(1e-5, d.absoluteTolerance());
    assertEquals(GradCheckOptions.Mode.AUTO, d.mode());
    GradCheckOptions o =
        GradCheckOptions.builder()
            .step(1e-2)
            .relativeTolerance(1e-2)
            .absoluteTolerance(1e-4)
            .seed(7)
            .mode(GradCheckOptions.Mode.FULL)
            .maxElements(3)
            .perturbInPlace(true)
            .build();
    GradCheckOptions copy = o.toBuilder().build();
    assertEquals(o.toString(), copy.toString());
    assertEquals(7, copy.seed());
    assertEquals(3, copy.maxElements());
    assertTrue(copy.perturbInPlace());
    assertFalse(d.perturbInPlace());
    assertThrows(IllegalArgumentException.class, () -> GradCheckOptions.builder().step(0));
    assertThrows(
        IllegalArgumentException.class, () -> GradCheckOptions.builder().relativeTolerance(-1));
    assertThrows(
        IllegalArgumentException.class,
        () -> GradCheckOptions.builder().absoluteTolerance(Double.NaN));
    assertThrows(IllegalArgumentException.class, () -> GradCheckOptions.builder().maxElements(0));
    assertThrows(NullPointerException.class, () -> GradCheckOptions.builder().mode(null));
  }

  @Test
  void theSeedMakesChecksReproducible() {
    Tensor x = param(95, 3, 3);
    GradCheckOptions seven = GradCheckOptions.builder().seed(7).build();
    String first = GradCheck.check(seven, in -> in[0].softmax(1), x).report();
    String again = GradCheck.check(seven, in -> in[0].softmax(1), x).report();
    assertEquals(first, again);
  }
}
