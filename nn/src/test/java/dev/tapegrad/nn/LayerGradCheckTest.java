package dev.tapegrad.nn;

import static dev.tapegrad.nn.BlockGradCheck.assertGradients;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tapegrad.autograd.GradCheckResult;
import dev.tapegrad.autograd.Reduction;
import dev.tapegrad.autograd.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Finite-difference checks of every layer and loss, with respect to inputs and parameters. */
class LayerGradCheckTest {
  private static Tensor input(long seed, int... shape) {
    return Tensor.uniform(new Random(seed), -2, 2, shape).requiresGrad(true);
  }

  /** Every input and every parameter was checked and passed. */
  private static void assertAllChecked(GradCheckResult result, int expectedInputs) {
    assertTrue(result.passed());
    assertEquals(expectedInputs, result.inputs().size());
    result.inputs().forEach(r -> assertTrue(r.checked() && r.elementsChecked() > 0, r.toString()));
  }

  @Test
  void linear() {
    Linear linear = new Linear(4, 3, new Random(1));
    assertAllChecked(assertGradients(linear, in -> linear.forward(in[0]), input(2, 2, 5, 4)), 3);
    Linear noBias = new Linear(4, 3, false, new Random(1));
    assertAllChecked(assertGradients(noBias, in -> noBias.forward(in[0]), input(3, 4)), 2);
  }

  @Test
  void embeddingWeights() {
    Embedding emb = new Embedding(5, 3, new Random(1));
    // repeated indices: gradients of one row accumulate
    GradCheckResult r =
        assertGradients(
            emb, in -> emb.forward(2, 0, 2, 4).tanh(), Tensor.zeros(1).requiresGrad(true));
    assertTrue(r.passed());
    assertTrue(r.input(1).checked());
    Tensor idx = Tensor.of(new float[] {1, 3, 3, 0}, 2, 2);
    assertTrue(assertGradients(emb, in -> emb.forward(idx).mul(in[0]), input(4, 2, 2, 3)).passed());
  }

  @Test
  void layerNormInputsAndAffineParameters() {
    LayerNorm norm = new LayerNorm(2, 3);
    Init.uniform(norm.weight(), 0.5, 1.5, new Random(5));
    Init.uniform(norm.bias(), -1, 1, new Random(6));
    assertAllChecked(assertGradients(norm, in -> norm.forward(in[0]), input(7, 4, 2, 3)), 3);
    LayerNorm plain = new LayerNorm(new int[] {5}, 1e-3f, false);
    assertAllChecked(assertGradients(plain, in -> plain.forward(in[0]), input(8, 3, 5)), 1);
  }

  @Test
  void timeDelay() {
    TimeDelay tdnn = new TimeDelay(3, 2, 3, 2, new Random(1));
    assertAllChecked(assertGradients(tdnn, in -> tdnn.forward(in[0]), input(2, 2, 7, 3)), 3);
    TimeDelay unbatched = new TimeDelay(2, 2, 2, new Random(3));
    assertAllChecked(assertGradients(unbatched, in -> unbatched.forward(in[0]), input(4, 5, 2)), 3);
  }

  @Test
  void sequentialMlp() {
    Random random = new Random(1);
    Sequential mlp =
        new Sequential(
            new Linear(3, 5, random),
            new Tanh(),
            new Linear(5, 4, random),
            new Gelu(),
            new Linear(4, 2, random),
            new LogSoftmax(-1));
    assertAllChecked(assertGradients(mlp, in -> mlp.forward(in[0]), input(2, 4, 3)), 7);
  }

  @Test
  void activationsFlattenAndDropout() {
    Tensor x = input(3, 2, 3, 2);
    for (Layer layer :
        new Layer[] {
          new Tanh(), new Sigmoid(), new Gelu(), new Softmax(1), new LogSoftmax(-1), new Flatten()
        }) {
      assertTrue(assertGradients(layer, in -> layer.forward(in[0]), x).passed(), layer.toString());
    }
    // relu and leaky relu away from their kink at 0
    Tensor away =
        Tensor.of(new float[] {-1.5f, -0.3f, 0.4f, 1.2f, -0.8f, 2f}, 2, 3).requiresGrad(true);
    Relu relu = new Relu();
    assertTrue(assertGradients(relu, in -> relu.forward(in[0]), away).passed());
    LeakyRelu leaky = new LeakyRelu(0.1f);
    assertTrue(assertGradients(leaky, in -> leaky.forward(in[0]), away).passed());
    // a fixed mask per evaluation: a fresh generator with the same seed
    Dropout dropout = new Dropout(0.4f, new Random(9));
    assertTrue(
        assertGradients(dropout, in -> new Dropout(0.4f, new Random(9)).forward(in[0]), x)
            .passed());
  }

  @Test
  void lossesWithRespectToTheirInputs() {
    Tensor logits = input(1, 2, 3, 4);
    int[] targets = {0, 3, 1, 2, 2, 1};
    for (Reduction r : Reduction.values()) {
      CrossEntropyLoss ce = new CrossEntropyLoss(r, 2, 0.1f);
      assertTrue(assertGradients(ce, in -> ce.forward(in[0], targets), logits).passed(), "ce " + r);
      NllLoss nll = new NllLoss(r, 1);
      assertTrue(
          assertGradients(nll, in -> nll.forward(in[0].logSoftmax(-1), targets), logits).passed(),
          "nll " + r);
      MseLoss mse = new MseLoss(r);
      assertTrue(
          assertGradients(mse, in -> mse.forward(in[0], in[1]), logits, input(5, 2, 3, 4)).passed(),
          "mse " + r);
      BceWithLogitsLoss bce = new BceWithLogitsLoss(r);
      Tensor probabilities = Tensor.rand(new Random(6), 2, 3, 4).requiresGrad(true);
      assertTrue(
          assertGradients(bce, in -> bce.forward(in[0], in[1]), logits, probabilities).passed(),
          "bce " + r);
    }
  }

  @Test
  void composedLayersHaveSecondDerivatives() {
    Random random = new Random(2);
    Sequential model =
        new Sequential(
            new TimeDelay(2, 3, 2, 2, random),
            new LayerNorm(3),
            new Tanh(),
            new Linear(3, 2, random));
    assertTrue(
        BlockGradCheck.assertSecondOrderGradients(
                model, in -> model.forward(in[0]), input(3, 1, 6, 2))
            .passed());
  }

  @Test
  void blockGradCheckCatchesMissingGradients() {
    // detach() hides a dependence from the tape: the check must notice, for inputs and parameters
    Linear linear = new Linear(2, 2, new Random(1));
    assertThrows(
        AssertionError.class,
        () ->
            assertGradients(
                linear, in -> linear.forward(in[0]).add(in[0].detach().square()), input(1, 3, 2)));
    assertThrows(
        AssertionError.class,
        () ->
            assertGradients(
                linear,
                in -> linear.forward(in[0]).add(linear.bias().detach().square()),
                input(1, 3, 2)));
  }
}
