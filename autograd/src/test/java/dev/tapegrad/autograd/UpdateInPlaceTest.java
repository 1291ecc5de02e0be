package dev.tapegrad.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link Tensor#updateInPlace}: the storage entry point of the fused in-place kernels. */
class UpdateInPlaceTest {
  @Test
  void passesStorageInOrderAndNullsForAbsentTensors() {
    Tensor p = Tensor.vector(1f, 2f, 3f);
    Tensor buf = Tensor.zeros(3);
    Tensor g = Tensor.vector(10f, 20f, 30f);
    p.updateInPlace(
        "test",
        Arrays.asList(p, null, buf),
        List.of(g),
        (w, r, n) -> {
          assertNull(w[1]);
          for (int i = 0; i < n; i++) {
            w[2][i] = r[0][i];
            w[0][i] += r[0][i];
          }
        });
    assertArrayEquals(new float[] {11f, 22f, 33f}, p.toFloatArray());
    assertArrayEquals(new float[] {10f, 20f, 30f}, buf.toFloatArray());
  }

  @Test
  void aChangedTensorInvalidatesTheGraphsThatSavedIt() {
    Tensor w = Tensor.vector(1f, 2f).requiresGrad(true);
    Tensor x = Tensor.vector(3f, 4f).requiresGrad(true);
    Tensor y = w.mul(x).sum();
    try (var scope = Autograd.noGrad()) {
      w.updateInPlace("test", List.of(w), List.of(), (wr, r, n) -> wr[0][0] = 5f);
    }
    var e = assertThrows(RuntimeException.class, y::backward);
    assertTrue(
        e.getMessage().contains("in place") || e.getMessage().contains("modified"), e.getMessage());
  }

  @Test
  void refusesOtherShapesAGradModeChangeAndAForeignTarget() {
    Tensor p = Tensor.zeros(2, 3);
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> p.updateInPlace("sgd", List.of(p), List.of(Tensor.zeros(3, 2)), (w, r, n) -> {}));
    assertTrue(e.getMessage().contains("sgd") && e.getMessage().contains("[3, 2]"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> p.updateInPlace("sgd", List.of(Tensor.zeros(2, 3)), List.of(), (w, r, n) -> {}));
    assertTrue(e.getMessage().contains("must write the tensor"), e.getMessage());
    Tensor q = Tensor.zeros(2).requiresGrad(true);
    assertThrows(
        IllegalStateException.class,
        () -> {
          try (var scope = Autograd.enableGrad()) {
            q.updateInPlace("sgd", List.of(q), List.of(), (w, r, n) -> {});
          }
        });
  }
}
