package dev.tapegrad.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The engine's gradient sums: a leaf used many times gets the contributions added in tape order,
 * bit for bit as {@code ((g1 + g2) + g3) + ...}, and no tensor the caller holds (a gradient passed
 * in, a contribution passed through) is changed by adding to the sum in place.
 */
class EngineAccumulationTest {
  @Test
  void aLeafUsedFiveTimesSumsItsContributionsInTapeOrder() {
    Tensor x = Tensor.of(new float[] {0.1f, 0.7f, -3f}, 3).requiresGrad(true);
    float[] c = {1.1f, 0.3f, 7.7f, -2.9f, 1e-3f};
    Tensor y = x.mul(c[0]);
    for (int i = 1; i < c.length; i++) {
      y = y.add(x.mul(c[i]));
    }
    Tensor gradOut = Tensor.of(new float[] {1f, 0.5f, 3f}, 3);
    float[] before = gradOut.toFloatArray();
    y.backward(gradOut);
    // the last product is recorded last, so its contribution arrives first
    float[] expected = new float[3];
    for (int j = 0; j < 3; j++) {
      float sum = gradOut.toFloatArray()[j] * c[c.length - 1];
      for (int i = c.length - 2; i >= 0; i--) {
        sum += gradOut.toFloatArray()[j] * c[i];
      }
      expected[j] = sum;
    }
    assertArrayEquals(expected, x.grad().toFloatArray(), 0f);
    assertArrayEquals(before, gradOut.toFloatArray(), 0f, "the gradient passed in is unchanged");
  }

  @Test
  void narrowsAddTheirSlicesIntoTheSumAsTheRecordedBackwardDoes() {
    Tensor x = Tensor.randn(new Random(5), 5, 6, 3, 4).requiresGrad(true);
    for (boolean leaf : new boolean[] {true, false}) {
      Tensor base = leaf ? x : x.mul(2f);
      Tensor loss = base.sum().mul(0.5f);
      for (int t = 0; t < 6; t++) {
        loss = loss.add(base.narrow(1, t, 1).mul((float) t).sum());
      }
      loss = loss.add(base.narrow(1, 1, 3).square().sum()).add(base.narrow(0, 4, 1).exp().sum());
      // createGraph records the backward, so it runs the composed narrow backward, not the shortcut
      Tensor composed = Autograd.grad(loss, List.of(x), true).get(0);
      Tensor fast = Autograd.grad(loss, List.of(x), false).get(0);
      assertArrayEquals(composed.toFloatArray(), fast.toFloatArray(), 0f, "leaf input " + leaf);
      x.zeroGrad();
    }
  }

  @Test
  void aGradientPassedThroughToALeafIsNotChangedByLaterContributions() {
    Tensor x = Tensor.of(new float[] {1f, 2f}, 2).requiresGrad(true);
    Tensor g = Tensor.of(new float[] {3f, 4f}, 2);
    // add's backward hands g itself to x three times
    Tensor y = x.add(x).add(x);
    List<Tensor> grads = Autograd.grad(List.of(y), List.of(x), List.of(g), false);
    assertArrayEquals(new float[] {9f, 12f}, grads.get(0).toFloatArray(), 0f);
    assertArrayEquals(new float[] {3f, 4f}, g.toFloatArray(), 0f);
    y = x.add(x).add(x);
    y.backward(g);
    y = x.add(x).add(x);
    y.backward(g);
    assertArrayEquals(new float[] {18f, 24f}, x.grad().toFloatArray(), 0f);
    assertArrayEquals(new float[] {3f, 4f}, g.toFloatArray(), 0f);
    assertEquals(false, x.grad().requiresGrad());
  }
}
