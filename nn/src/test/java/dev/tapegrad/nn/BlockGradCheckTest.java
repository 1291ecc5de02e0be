package dev.tapegrad.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tapegrad.autograd.Function;
import dev.tapegrad.autograd.GradCheckOptions;
import dev.tapegrad.autograd.GradCheckResult;
import dev.tapegrad.autograd.Tensor;
import java.util.List;
import java.util.Random;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

/** The public model gradient check, on a user's own model. */
class BlockGradCheckTest {
  /** A custom model: a linear map, then a GRU cell fed with it, then a scalar weight. */
  static final class Custom extends Block {
    final Linear in;
    final GruCell cell;
    final Tensor scale;

    Custom(Random random) {
      in = registerBlock("in", new Linear(3, 4, random));
      cell = registerBlock("cell", new GruCell(4, 2, random));
      scale = registerParameter("scale", Tensor.of(new float[] {0.7f}, 1));
    }

    Tensor forward(Tensor x, Tensor h) {
      return cell.forward(in.forward(x).tanh(), h).mul(scale);
    }
  }

  /** x * x with a backward that is off by 10%: a bug the check must find. */
  static final class WrongSquare extends Function {
    @Override
    protected Tensor forward(Context ctx, Tensor... in) {
      ctx.saveForBackward(in[0]);
      return in[0].mul(in[0]);
    }

    @Override
    protected Tensor[] backward(Context ctx, Tensor gradOutput) {
      return new Tensor[] {gradOutput.mul(ctx.saved(0)).mul(2.2f)};
    }
  }

  /** The README's example: a bidirectional LSTM tagger. */
  static final class Tagger extends Block {
    private final Lstm lstm;
    private final Linear head;

    Tagger(RandomGenerator random) {
      lstm = registerBlock("lstm", Lstm.builder(8, 6).bidirectional(true).build(random));
      head = registerBlock("head", new Linear(12, 5, random));
    }

    Tensor forward(Tensor x) { // x: [T, B, 8]
      return head.forward(lstm.forward(x).output());
    }
  }

  @Test
  void theReadmeExample() {
    Tagger model = new Tagger(new Random(1));
    Tensor x = Tensor.randn(2L, 5, 3, 8).requiresGrad(true);
    BlockGradCheck.assertGradients(model, in -> model.forward(in[0]), x);
    BlockGradCheck.assertSecondOrderGradients(
        GradCheckOptions.builder().mode(GradCheckOptions.Mode.PROJECTION).build(),
        model,
        in -> model.forward(in[0]).square().sum(),
        x);
  }

  private static Tensor input(long seed, int... shape) {
    return Tensor.uniform(new Random(seed), -1, 1, shape).requiresGrad(true);
  }

  @Test
  void checksEveryParameterAndEveryInputThatRequiresGrad() {
    Custom model = new Custom(new Random(1));
    Tensor x = input(2, 2, 3);
    Tensor h = input(3, 2, 2);
    Tensor constant = Tensor.uniform(new Random(4), -1, 1, 2, 2);
    GradCheckResult result =
        BlockGradCheck.assertGradients(
            model, in -> model.forward(in[0], in[1]).add(in[2]), x, h, constant);
    assertEquals(3 + model.parameters().size(), result.inputs().size());
    assertTrue(result.input(0).checked() && result.input(1).checked());
    assertTrue(!result.input(2).checked(), "an input without requiresGrad is passed through");
    for (int k = 3; k < result.inputs().size(); k++) {
      assertTrue(
          result.input(k).checked() && result.input(k).elementsChecked() > 0,
          result.input(k).toString());
    }
  }

  @Test
  void leavesParametersAndGradientsAsTheyWere() {
    Custom model = new Custom(new Random(1));
    List<float[]> before = model.parameters().stream().map(Tensor::toFloatArray).toList();
    BlockGradCheck.assertGradients(model, in -> model.forward(in[0], null), input(2, 2, 3));
    for (int k = 0; k < before.size(); k++) {
      assertArrayEquals(before.get(k), model.parameters().get(k).toFloatArray());
      assertEquals(null, model.parameters().get(k).grad());
    }
  }

  @Test
  void aWrongBackwardInsideTheModelFailsAndTheMessageNamesTheParameters() {
    Custom model = new Custom(new Random(1));
    GradCheckResult result =
        BlockGradCheck.check(
            model, in -> new WrongSquare().apply(model.forward(in[0], null)), input(2, 2, 3));
    assertTrue(!result.passed());
    AssertionError e =
        assertThrows(
            AssertionError.class,
            () ->
                BlockGradCheck.assertGradients(
                    model,
                    in -> new WrongSquare().apply(model.forward(in[0], null)),
                    input(2, 2, 3)));
    assertTrue(e.getMessage().contains("1 = scale, 2 = in.weight"), e.getMessage());
  }

  @Test
  void secondDerivativesOfAModel() {
    Custom model = new Custom(new Random(5));
    GradCheckResult result =
        BlockGradCheck.assertSecondOrderGradients(
            GradCheckOptions.builder().seed(3).build(),
            model,
            in -> model.forward(in[0], in[1]),
            input(6, 1, 3),
            input(7, 1, 2));
    assertTrue(result.passed());
    assertEquals(2 + model.parameters().size(), result.inputs().size());
  }

  @Test
  void givenOptionsApplyButTheParametersAreAlwaysPerturbedInPlace() {
    Custom model = new Custom(new Random(1));
    GradCheckOptions full =
        GradCheckOptions.builder().mode(GradCheckOptions.Mode.FULL).perturbInPlace(false).build();
    GradCheckResult result =
        BlockGradCheck.assertGradients(
            full, model, in -> model.forward(in[0], null), input(2, 2, 3));
    for (GradCheckResult.InputResult r : result.inputs()) {
      assertEquals(GradCheckResult.Method.ELEMENTS, r.method(), r.toString());
    }
  }

  @Test
  void rejectsMissingArguments() {
    Custom model = new Custom(new Random(1));
    assertThrows(
        IllegalArgumentException.class, () -> BlockGradCheck.check(null, in -> in[0], input(1, 2)));
    assertThrows(
        IllegalArgumentException.class, () -> BlockGradCheck.check(model, null, input(1, 2)));
  }
}
