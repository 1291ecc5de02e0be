package dev.tapegrad.spark;

import static dev.tapegrad.spark.Fixtures.Example;
import static dev.tapegrad.spark.Fixtures.Mlp;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tapegrad.autograd.Tensor;
import dev.tapegrad.optim.Adam;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class AveragingTrainerTest {
  private static JavaSparkContext sc;
  private static final List<Example> EXAMPLES = Fixtures.examples(400, 8);

  @BeforeAll
  static void start() {
    sc = Fixtures.context("local[2]", "AveragingTrainerTest");
  }

  @AfterAll
  static void stop() {
    sc.stop();
  }

  private static final OptimizerFactory ADAM = params -> new Adam(params, Adam.options().lr(1e-2));

  private static AveragingTrainer<Mlp, Example> trainer(
      JavaRDD<Example> data, Mlp model, int k, int batch) {
    return AveragingTrainer.builder(data, Fixtures.factory(), Fixtures.loss(), ADAM)
        .localSteps(k)
        .localBatch(batch)
        .seed(3)
        .build(model, ADAM.create(model.parameters()));
  }

  @Test
  void onePartitionIsSingleMachineTrainingBitForBit() throws Exception {
    // one replica: the average is the replica, so parameters and Adam's moments must survive the
    // round trips through the broadcast and the state dict exactly
    JavaRDD<Example> data = sc.parallelize(EXAMPLES, 1);
    Mlp distributed = Fixtures.model(5);
    BatchPlan plan;
    try (var trainer = trainer(data, distributed, 4, 16)) {
      plan = trainer.plan();
      new TrainingLoop(trainer).run(0, 5);
    }
    Mlp single = Fixtures.model(5);
    Adam adam = (Adam) ADAM.create(single.parameters());
    for (int step = 0; step < 20; step++) {
      List<Example> batch = new ArrayList<>();
      for (int i : plan.draw(step, 0, 16)) {
        batch.add(EXAMPLES.get(i));
      }
      adam.zeroGrad();
      Tensor loss = Fixtures.loss().sumLoss(single, batch).div(16f);
      loss.backward();
      adam.step();
    }
    assertArrayEquals(Fixtures.flat(single), Fixtures.flat(distributed));
  }

  @Test
  void convergesToTheSingleMachineLossWithinFivePercent() throws Exception {
    // single machine: 200 Adam steps of 32 examples
    Mlp single = Fixtures.model(5);
    Adam adam = (Adam) ADAM.create(single.parameters());
    Random random = new Random(4);
    for (int step = 0; step < 200; step++) {
      List<Example> batch = new ArrayList<>();
      for (int i = 0; i < 32; i++) {
        batch.add(EXAMPLES.get(random.nextInt(EXAMPLES.size())));
      }
      adam.zeroGrad();
      Fixtures.loss().sumLoss(single, batch).div(32f).backward();
      adam.step();
    }
    double singleLoss = Fixtures.meanLoss(single, EXAMPLES);

    // averaging: 2 partitions, 20 rounds of 10 local steps of 16 examples (the same examples seen)
    Mlp averaged = Fixtures.model(5);
    List<StepTimings> rounds;
    try (var trainer = trainer(sc.parallelize(EXAMPLES, 2), averaged, 10, 16)) {
      rounds = new TrainingLoop(trainer).run(0, 20);
    }
    double averagedLoss = Fixtures.meanLoss(averaged, EXAMPLES);
    double initialLoss = Fixtures.meanLoss(Fixtures.model(5), EXAMPLES);
    System.out.printf(
        "averaging vs one machine: full-data loss %.4f vs %.4f (initial %.4f)%n",
        averagedLoss, singleLoss, initialLoss);
    assertTrue(
        singleLoss < 0.5 * initialLoss, "single machine: " + initialLoss + " -> " + singleLoss);
    assertTrue(
        averagedLoss <= singleLoss * 1.05 + 0.01,
        "averaging reached "
            + averagedLoss
            + ", single machine "
            + singleLoss
            + " (from "
            + initialLoss
            + ")");
    assertEquals(2L * 10 * 16, rounds.get(0).examples());
    assertTrue(rounds.get(19).loss() < rounds.get(0).loss());
  }

  @Test
  void twoRunsAreBitIdentical() throws Exception {
    float[][] results = new float[2][];
    for (int run = 0; run < 2; run++) {
      Mlp model = Fixtures.model(5);
      try (var trainer = trainer(sc.parallelize(EXAMPLES, 3), model, 3, 8)) {
        new TrainingLoop(trainer).run(0, 4);
      }
      results[run] = Fixtures.flat(model);
    }
    assertArrayEquals(results[0], results[1]);
  }

  @Test
  void badSettingsAreRejectedWithTheirNames() {
    var builder =
        AveragingTrainer.builder(
            sc.parallelize(EXAMPLES, 2), Fixtures.factory(), Fixtures.loss(), ADAM);
    var e = assertThrows(IllegalArgumentException.class, () -> builder.localSteps(0));
    assertTrue(e.getMessage().contains("localSteps"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> builder.localBatch(-1));
    assertTrue(e.getMessage().contains("localBatch"), e.getMessage());
  }
}
