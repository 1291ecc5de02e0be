package dev.tapegrad.autograd;

import static dev.tapegrad.autograd.EngineTest.assertValues;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.BinaryOperator;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Gradients at the points where PyTorch fixes a convention: kinks, ties, zeros, infinities and NaN.
 * Expected values are PyTorch 1.13's for the same inputs ({@code x.grad} after {@code
 * f(x).sum().backward()}).
 */
class EdgeGradientTest {
  private static final float INF = Float.POSITIVE_INFINITY;
  private static final float NAN = Float.NaN;

  private static Tensor grad(UnaryOperator<Tensor> f, float... x) {
    Tensor t = Tensor.vector(x).requiresGrad(true);
    f.apply(t).sum().backward();
    return t.grad();
  }

  private static Tensor[] grads(BinaryOperator<Tensor> f, float[] a, float[] b) {
    Tensor ta = Tensor.vector(a).requiresGrad(true);
    Tensor tb = Tensor.vector(b).requiresGrad(true);
    f.apply(ta, tb).sum().backward();
    return new Tensor[] {ta.grad(), tb.grad()};
  }

  @Test
  void powAtZeroBase() {
    Tensor[] g = grads(Tensor::pow, new float[] {0f, 0f, 2f, 0f}, new float[] {0f, 2f, 0f, -1f});
    assertValues(new float[] {0f, 0f, 0f, -INF}, g[0], 0);
    assertValues(new float[] {0f, 0f, (float) Math.log(2), -INF}, g[1], 1e-7);
    assertValues(new float[] {0f, 0f}, grad(x -> x.pow(0f), 0f, 1f), 0);
    assertValues(new float[] {0f}, grad(x -> x.pow(2f), 0f), 0);
    assertValues(new float[] {INF}, grad(x -> x.pow(0.5f), 0f), 0);
  }

  @Test
  void kinksAtZero() {
    assertValues(new float[] {0f, -1f}, grad(Tensor::abs, 0f, -1f), 0);
    assertValues(new float[] {0f}, grad(Tensor::relu, 0f), 0);
    assertValues(new float[] {0.1f}, grad(x -> x.leakyRelu(0.1f), 0f), 0);
    assertValues(new float[] {1f, 1f, 0f, 1f}, grad(x -> x.clamp(-1f, 1f), -1f, 1f, 2f, 0f), 0);
  }

  @Test
  void tiesInMaxAndMin() {
    assertValues(new float[] {0f, 0.5f, 0.5f}, grad(Tensor::max, 1f, 3f, 3f), 0);
    assertValues(new float[] {0f, 1f, 0f}, grad(x -> x.max(0, false), 1f, 3f, 3f), 0);
    assertValues(new float[] {0f, 1f, 0f}, grad(x -> x.min(0, false), 3f, 1f, 1f), 0);
    Tensor[] g = grads(Tensor::maximum, new float[] {1f, 2f}, new float[] {1f, 1f});
    assertValues(new float[] {0.5f, 1f}, g[0], 0);
    assertValues(new float[] {0.5f, 0f}, g[1], 0);
  }

  @Test
  void nanWinsMaxAndTakesTheGradient() {
    assertValues(new float[] {0f, 1f, 0f}, grad(Tensor::max, 3f, NAN, 1f), 0);
    assertValues(new float[] {0f, 1f, 0f}, grad(x -> x.max(0, false), 3f, NAN, 1f), 0);
  }

  @Test
  void infinitiesInLogSumExpAndSoftmax() {
    assertValues(new float[] {0f, 1f}, grad(Tensor::logSumExp, -INF, 0f), 0);
    assertValues(new float[] {NAN, NAN}, grad(Tensor::logSumExp, -INF, -INF), 0);
    assertValues(new float[] {0f, 0f}, grad(x -> x.softmax(0).narrow(0, 0, 1), -INF, 0f), 0);
    assertValues(new float[] {0f, 0f}, grad(x -> x.logSoftmax(0).narrow(0, 1, 1), -INF, 0f), 0);
  }

  @Test
  void saturatedFunctionsHaveFiniteGradients() {
    assertValues(new float[] {1f, 3.7835059e-44f}, grad(Tensor::softplus, 100f, -100f), 1e-6);
    assertValues(new float[] {0f}, grad(Tensor::tanh, 100f), 0);
    Tensor g =
        grad(
            x -> Functional.binaryCrossEntropyWithLogits(x, Tensor.vector(0f, 1f), Reduction.SUM),
            100f,
            -100f);
    assertValues(new float[] {1f, -1f}, g, 1e-6);
    assertValues(new float[] {0f, 0f}, grad(Tensor::var, 1f, 1f), 0);
  }

  @Test
  void crossEntropyWithEveryTargetIgnoredHasZeroGradient() {
    Tensor logits = Tensor.of(new float[] {1f, 2f, 3f, 4f}, 2, 2).requiresGrad(true);
    Tensor loss = Functional.crossEntropy(logits, new int[] {-100, -100});
    assertTrue(Float.isNaN(loss.item()), "the mean over no targets is NaN");
    loss.backward();
    assertValues(new float[4], logits.grad(), 0);
    Tensor lp = Tensor.of(new float[] {-1f, -2f}, 1, 2).requiresGrad(true);
    Functional.nllLoss(lp, new int[] {7}, Reduction.MEAN, 7).backward();
    assertValues(new float[2], lp.grad(), 0);
  }
}
