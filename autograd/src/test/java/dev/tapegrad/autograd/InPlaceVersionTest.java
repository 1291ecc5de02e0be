package dev.tapegrad.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class InPlaceVersionTest {
  @Test
  void backwardRefusesAnInputChangedInPlaceAfterUse() {
    Tensor w = Tensor.vector(1f, 2f).requiresGrad(true);
    Tensor x = Tensor.vector(3f, 4f).requiresGrad(true);
    Tensor loss = w.mul(x).sum();
    try (var scope = Autograd.noGrad()) {
      w.addInPlace(Tensor.vector(1f, 1f), -0.1f);
    }
    var e = assertThrows(IllegalStateException.class, loss::backward);
    assertTrue(
        e.getMessage().contains("modified in place") && e.getMessage().contains("'mul'"),
        e.getMessage());
  }

  @Test
  void aChangeThroughADetachedOrReshapedAliasIsSeen() {
    Tensor w = Tensor.vector(1f, 2f, 3f, 4f).requiresGrad(true);
    Tensor loss = w.square().sum();
    w.detach().reshape(2, 2).fillInPlace(0f);
    assertThrows(IllegalStateException.class, loss::backward);
  }

  @Test
  void changesBeforeTheForwardAreFine() {
    Tensor w = Tensor.vector(1f, 2f).requiresGrad(true);
    try (var scope = Autograd.noGrad()) {
      w.mulInPlace(2f);
    }
    w.square().sum().backward();
    assertArrayEquals(new float[] {4f, 8f}, w.grad().toFloatArray());
  }
}
