package dev.tapegrad.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tapegrad.autograd.Autograd;
import dev.tapegrad.autograd.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** An MLP learns XOR with plain gradient descent: the layers, losses and backward fit together. */
class TrainingSmokeTest {
  @Test
  @SuppressWarnings("try") // the scope is used for its side effect
  void mlpFitsXor() {
    Random random = new Random(0);
    Sequential mlp = new Sequential(new Linear(2, 8, random), new Tanh(), new Linear(8, 1, random));
    Tensor x = Tensor.of(new float[] {0, 0, 0, 1, 1, 0, 1, 1}, 4, 2);
    Tensor y = Tensor.of(new float[] {0, 1, 1, 0}, 4, 1);
    BceWithLogitsLoss criterion = new BceWithLogitsLoss();
    float first = Float.NaN;
    float last = Float.NaN;
    for (int step = 0; step < 1000; step++) {
      mlp.zeroGrad();
      Tensor loss = criterion.forward(mlp.forward(x), y);
      loss.backward();
      if (step == 0) {
        first = loss.item();
      }
      last = loss.item();
      try (var scope = Autograd.noGrad()) {
        for (Tensor p : mlp.parameters()) {
          p.addInPlace(p.grad(), -0.5f);
        }
      }
    }
    assertTrue(last < 0.05f * first, "loss fell from " + first + " to " + last);
    Tensor predictions = mlp.forward(x).sigmoid();
    for (int i = 0; i < 4; i++) {
      assertEquals(y.get(i, 0), predictions.get(i, 0), 0.2, "sample " + i);
    }
  }
}
