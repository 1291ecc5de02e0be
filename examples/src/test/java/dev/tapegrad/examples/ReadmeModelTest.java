package dev.tapegrad.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tapegrad.autograd.*;
import dev.tapegrad.data.*;
import dev.tapegrad.nn.*;
import dev.tapegrad.optim.*;
import java.nio.file.Path;
import java.util.Random;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's custom model, data pipeline, training state and model gradient check, written with
 * the wildcard imports a user writes: a type of tapegrad that clashed with {@code java.lang} (as
 * {@code Module} did) would stop this file compiling.
 */
class ReadmeModelTest {
  @TempDir Path dir;

  /** The README's model: two tanh layers and a linear head. */
  static final class Mlp extends Block {
    private final Linear hidden;
    private final Linear head;

    Mlp(int in, int width, int classes, RandomGenerator random) {
      hidden = registerBlock("hidden", new Linear(in, width, random));
      head = registerBlock("head", new Linear(width, classes, random));
    }

    Tensor forward(Tensor x) {
      return head.forward(hidden.forward(x).tanh());
    }
  }

  private static Dataset<Example> quadrants(int n, Random random) {
    Tensor points = Tensor.randn(random, n, 2);
    int[] labels = new int[n];
    for (int i = 0; i < n; i++) {
      labels[i] = points.get(i, 0) * points.get(i, 1) > 0 ? 1 : 0;
    }
    return Dataset.ofRows(points, labels);
  }

  @Test
  void customModelTrainsOnTheDataPipelineAndResumesExactly() throws Exception {
    Random random = new Random(42);
    Mlp model = new Mlp(2, 16, 2, random);
    Split<Example> split = Split.byFractions(quadrants(400, random), 0.8, 0.2, 0.0, 42);
    DataLoader<Example, Batch> train =
        DataLoader.builder(split.train()).batchSize(32).shuffle(42).build();
    Adam adam = new Adam(model.parameters(), Adam.options().lr(1e-2));
    TrainingState state =
        TrainingState.of(model::stateDict, model::loadStateDict)
            .optimizer(adam)
            .random("init", random);
    for (int epoch = 0; epoch < 30; epoch++) {
      for (Batch b : train.epoch(epoch)) {
        Tensor loss = Functional.crossEntropy(model.forward(b.inputs()), b.labels());
        adam.zeroGrad();
        loss.backward();
        adam.step();
      }
    }
    state.save(dir.resolve("run.safetensors"), 30);

    Batch validation =
        DataLoader.builder(split.validation())
            .batchSize(split.validation().size())
            .build()
            .batch(0, 0);
    double accuracy;
    try (var scope = Autograd.noGrad()) {
      accuracy = Metrics.accuracy(model.forward(validation.inputs()), validation.labels());
    }
    assertTrue(accuracy > 0.9, "validation accuracy " + accuracy);

    Mlp again = new Mlp(2, 16, 2, new Random(7));
    Adam adamAgain = new Adam(again.parameters(), Adam.options().lr(1e-2));
    long step =
        TrainingState.of(again::stateDict, again::loadStateDict)
            .optimizer(adamAgain)
            .random("init", new Random(0))
            .load(dir.resolve("run.safetensors"))
            .step();
    assertEquals(30, step);
    assertEquals(
        model.stateDict().get("head.weight").toString(),
        again.stateDict().get("head.weight").toString());
  }

  @Test
  void customModelGradientsCheck() {
    Mlp model = new Mlp(2, 5, 3, new Random(1));
    Tensor x = Tensor.randn(3, 4, 2).requiresGrad(true);
    int[] y = {0, 2, 1, 1};
    GradCheckResult result =
        BlockGradCheck.assertGradients(
            model, in -> Functional.crossEntropy(model.forward(in[0]), y), x);
    assertTrue(result.passed());
  }
}
