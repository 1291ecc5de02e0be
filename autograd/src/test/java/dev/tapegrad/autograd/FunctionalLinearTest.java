package dev.tapegrad.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
    assertArrayEquals(x.matmul(w.t()).toFloatArray(), Functional.linear(x, w, null).toFloatArray(), 1e-5f);
  }

  @Test
  void gradientsAndSecondDerivatives() {
    Tensor x = Tensor.randn(random, 5, 4).requiresGrad(true);
    Tensor w = Tensor.randn(random, 3, 4).requiresGrad(true);
    Tensor b = Tensor.randn(random, 3).requiresGrad(true);
    GradCheck.assertGradients(in -> Functional.linear(in[0], in[1], in[2]), x, w, b);
    GradCheck.assertSecondOrderGradients(in -> Functional.linear(in[0], in[1], in[2]).tanh(), x, w, b);
  }

  @Test
  void rejectsShapesThatDoNotFit() {
    var e = assertThrows(IllegalArgumentException.class, () -> Functional.linear(Tensor.zeros(5, 4), Tensor.zeros(3, 5), null));
    assertTrue(e.getMessage().contains("linear: input [5, 4] and weight [3, 5]"), e.getMessage());
    var f = assertThrows(IllegalArgumentException.class, () -> Functional.linear(Tensor.zeros(5, 4), Tensor.zeros(3, 4), Tensor.zeros(4)));
    assertTrue(f.getMessage().contains("bias [4]"), f.getMessage());
  }
}
