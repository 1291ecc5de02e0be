package com.example.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tapegrad.autograd.*;
import dev.tapegrad.nn.*;
import dev.tapegrad.optim.*;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** What a user does first: train their own model a few steps, and check its gradients. */
class MyModelTest {
  private static final int N = 32;

  private static Tensor points() {
    return Tensor.randn(7, N, 2);
  }

  private static int[] labels(Tensor points) {
    int[] labels = new int[N];
    for (int i = 0; i < N; i++) {
      labels[i] = points.get(i, 0) * points.get(i, 1) > 0 ? 1 : 0;
    }
    return labels;
  }

  @Test
  void trainsAFewStepsAndTheLossFalls() {
    MyModel model = new MyModel(2, 16, 2, new Random(1));
    Tensor x = points();
    int[] y = labels(x);
    Adam adam = new Adam(model.parameters(), Adam.options().lr(0.05));
    float first = Float.NaN;
    float last = Float.NaN;
    for (int step = 0; step < 30; step++) {
      Tensor loss = Functional.crossEntropy(model.forward(x), y);
      adam.zeroGrad();
      loss.backward();
      adam.step();
      first = step == 0 ? loss.item() : first;
      last = loss.item();
    }
    assertEquals(4, model.parameters().size(), "two Linear layers, weight and bias each");
    assertTrue(last < 0.8f * first, "loss " + first + " -> " + last);
  }

  @Test
  void gradientsCheckWithRespectToParametersAndInput() {
    MyModel model = new MyModel(2, 5, 3, new Random(2));
    Tensor x = Tensor.randn(3, 4, 2).requiresGrad(true);
    int[] y = {0, 2, 1, 1};
    GradCheckOptions inPlace = GradCheckOptions.builder().perturbInPlace(true).build();
    GradCheckResult params =
        GradCheck.assertGradients(
            inPlace, in -> Functional.crossEntropy(model.forward(x.detach()), y), model.parameters().toArray(Tensor[]::new));
    assertTrue(params.passed());
    GradCheckResult input = GradCheck.assertGradients(in -> model.forward(in[0]).sum(), x);
    assertTrue(input.passed());
  }
}
