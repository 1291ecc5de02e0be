package dev.tapegrad.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;

class SignGradientTest {
  @Test
  void signPassesZeroGradientsLikePyTorch() {
    Tensor x = Tensor.vector(-2f, 0f, 3f).requiresGrad(true);
    x.sign().mul(x).sum().backward(); // d/dx (sign(x) x) = sign(x), sign itself contributes 0
    assertArrayEquals(new float[] {-1f, 0f, 1f}, x.grad().toFloatArray());
    Tensor y = Tensor.vector(1f, -1f).requiresGrad(true);
    y.sign().sum().backward();
    assertArrayEquals(new float[] {0f, 0f}, y.grad().toFloatArray());
  }
}
