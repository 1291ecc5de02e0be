package com.example.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tapegrad.autograd.*;
import dev.tapegrad.data.*;
import dev.tapegrad.nn.*;
import dev.tapegrad.optim.*;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * What a user does first: train their own model on the data pipeline, and check its gradients.
 */
class MyModelTest {
  private static final int N = 96;

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
  void trainsOnTheDataPipelineAndTheValidationLossFalls() {
    MyModel model = new MyModel(2, 16, 2, new Random(1));
    Tensor x = points();
    Dataset<Example> all = Dataset.ofRows(x, labels(x));
    Split<Example> split = Split.byFractions(all, 0.75, 0.25, 0.0, 42);
    DataLoader<Example, Batch> train =
        DataLoader.builder(split.train()).batchSize(16).shuffle(42).build();
    Batch validation =
        DataLoader.builder(split.validation()).batchSize(split.validation().size()).build().batch(0, 0);
    Adam adam = new Adam(model.parameters(), Adam.options().lr(0.05));
    float before = validationLoss(model, validation);
    for (int epoch = 0; epoch < 10; epoch++) {
      for (Batch b : train.epoch(epoch)) {
        Tensor loss = Functional.crossEntropy(model.forward(b.inputs()), b.labels());
        adam.zeroGrad();
        loss.backward();
        adam.step();
      }
    }
    float after = validationLoss(model, validation);
    assertEquals(4, model.parameters().size(), "two Linear layers, weight and bias each");
    assertTrue(after < 0.8f * before, "validation loss " + before + " -> " + after);
  }

  private static float validationLoss(MyModel model, Batch validation) {
    try (var scope = Autograd.noGrad()) {
      return Functional.crossEntropy(model.forward(validation.inputs()), validation.labels()).item();
    }
  }

  @Test
  void gradientsCheckWithRespectToParametersAndInput() {
    MyModel model = new MyModel(2, 5, 3, new Random(2));
    Tensor x = Tensor.randn(3, 4, 2).requiresGrad(true);
    int[] y = {0, 2, 1, 1};
    GradCheckResult result =
        BlockGradCheck.assertGradients(model, in -> Functional.crossEntropy(model.forward(in[0]), y), x);
    assertTrue(result.passed());
  }
}
