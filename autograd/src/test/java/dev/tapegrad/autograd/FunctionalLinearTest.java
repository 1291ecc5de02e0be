package dev.tapegrad.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FunctionalLinearTest {
  private final Random random = new Random(3);

  @Test
  void matchesMatmulWithTransposedWeight() {
    Tensor x = Tensor.randn(random, 5, 4);
    Tensor w = Tensor.randn(random, 3, 4);
    Tensor b = Tensor.randn(random, 3);
    float[] expected = x.matmul(w.t()).add(b).toFloatArray();
    assertArrayEquals(expected, Functional.linear(x, w, b).toFloatArray(), 1e-5f);
    assertArrayEquals(
        x.matmul(w.t()).toFloatArray(), Functional.linear(x, w, null).toFloatArray(), 1e-5f);
  }

  @Test
  void oneFusedNodeGivesTheBitsOfTheProductPlusBiasAndTheirGradients() {
    for (int[] size : new int[][] {{1, 1, 1}, {7, 13, 5}, {33, 70, 40}}) {
      Tensor x = Tensor.randn(random, size[0], size[1]).requiresGrad(true);
      Tensor w = Tensor.randn(random, size[2], size[1]).requiresGrad(true);
      Tensor b = Tensor.randn(random, size[2]).requiresGrad(true);
      Tensor fused = Functional.linear(x, w, b);
      Tensor composed = LinearAlgebra.mm(x, w, false, true).add(b);
      assertEquals("linear", fused.opName());
      assertArrayEquals(composed.toFloatArray(), fused.toFloatArray(), 0f);
      Tensor g = Tensor.randn(random, size[0], size[2]);
      var expected = Autograd.grad(List.of(composed), List.of(x, w, b), List.of(g), false);
      var actual = Autograd.grad(List.of(fused), List.of(x, w, b), List.of(g), false);
      for (int i = 0; i < 3; i++) {
        assertArrayEquals(expected.get(i).toFloatArray(), actual.get(i).toFloatArray(), 0f);
      }
    }
  }

  @Test
  void gradientsAndSecondDerivatives() {
    Tensor x = Tensor.randn(random, 5, 4).requiresGrad(true);
    Tensor w = Tensor.randn(random, 3, 4).requiresGrad(true);
    Tensor b = Tensor.randn(random, 3).requiresGrad(true);
    GradCheck.assertGradients(in -> Functional.linear(in[0], in[1], in[2]), x, w, b);
    GradCheck.assertSecondOrderGradients(
        in -> Functional.linear(in[0], in[1], in[2]).tanh(), x, w, b);
  }

  @Test
  void rejectsShapesThatDoNotFit() {
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Functional.linear(Tensor.zeros(5, 4), Tensor.zeros(3, 5), null));
    assertTrue(e.getMessage().contains("linear: input [5, 4] and weight [3, 5]"), e.getMessage());
    var f =
        assertThrows(
            IllegalArgumentException.class,
            () -> Functional.linear(Tensor.zeros(5, 4), Tensor.zeros(3, 4), Tensor.zeros(4)));
    assertTrue(f.getMessage().contains("bias [4]"), f.getMessage());
  }
}
