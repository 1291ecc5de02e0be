package dev.tapegrad.spark;

import static dev.tapegrad.spark.Fixtures.Example;
import static dev.tapegrad.spark.Fixtures.Mlp;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tapegrad.autograd.Functional;
import dev.tapegrad.autograd.Tensor;
import dev.tapegrad.optim.Adam;
import dev.tapegrad.optim.CosineAnnealingLr;
import dev.tapegrad.optim.GradClip;
import dev.tapegrad.optim.LrSchedule;
import dev.tapegrad.optim.Optimizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataParallelTrainerTest {
  private static JavaSparkContext sc;
  private static final List<String> DESCRIPTIONS = new CopyOnWriteArrayList<>();
  private static final List<Example> EXAMPLES = Fixtures.examples(150, 3);

  @BeforeAll
  static void start() {
    sc = Fixtures.context("local[2]", "DataParallelTrainerTest");
    sc.sc()
        .addSparkListener(
            new SparkListener() {
              @Override
              public void onJobStart(SparkListenerJobStart job) {
                String d = job.properties().getProperty("spark.job.description");
                if (d != null) {
                  DESCRIPTIONS.add(d);
                }
              }
            });
  }

  @AfterAll
  static void stop() {
    sc.stop();
  }

  private static JavaRDD<Example> data(int partitions) {
    return sc.parallelize(EXAMPLES, partitions);
  }

  private static Adam adam(Mlp model) {
    return new Adam(model.parameters(), Adam.options().lr(1e-2));
  }

  private static DataParallelTrainer<Mlp, Example> trainer(
      JavaRDD<Example> data, Mlp model, Optimizer optimizer) {
    return DataParallelTrainer.builder(data, Fixtures.factory(), Fixtures.loss())
        .seed(11)
        .globalBatch(24)
        .clipGradNorm(1.0)
        .build(model, optimizer);
  }

  @Test
  void twentyStepsEqualSingleMachineTrainingOnTheSameGlobalBatches() throws Exception {
    JavaRDD<Example> data = data(3);
    Mlp distributed = Fixtures.model(5);
    Adam distributedAdam = adam(distributed);
    CosineAnnealingLr distributedSchedule = new CosineAnnealingLr(distributedAdam, 20, 1e-3);
    List<StepTimings> timings;
    BatchPlan plan;
    try (var trainer = trainer(data, distributed, distributedAdam)) {
      plan = trainer.plan();
      timings = new TrainingLoop(trainer).schedule(distributedSchedule).run(0, 20);
    }

    // the same training on one machine: one forward and backward over the whole global batch
    List<List<Example>> partitions = data.glom().collect();
    Mlp single = Fixtures.model(5);
    Adam singleAdam = adam(single);
    CosineAnnealingLr singleSchedule = new CosineAnnealingLr(singleAdam, 20, 1e-3);
    for (int step = 0; step < 20; step++) {
      List<Example> batch = new ArrayList<>();
      for (int p = 0; p < partitions.size(); p++) {
        for (int i : plan.indices(step, p)) {
          batch.add(partitions.get(p).get(i));
        }
      }
      assertEquals(24, batch.size());
      singleAdam.zeroGrad();
      Tensor loss = Functional.crossEntropy(single.forward(batch), Fixtures.labels(batch));
      loss.backward();
      GradClip.clipGradNorm(single.parameters(), 1.0);
      singleAdam.step();
      singleSchedule.step();
      assertEquals(loss.item(), timings.get(step).loss(), 1e-5, "loss of step " + step);
      assertEquals(24, timings.get(step).examples());
    }
    // the gradient sums round differently (per partition, then across), nothing else differs
    double difference =
        Fixtures.relativeDifference(Fixtures.flat(distributed), Fixtures.flat(single));
    System.out.printf(
        "data parallel vs one machine after 20 steps: %.2e relative (2-norm), %.2e largest element%n",
        difference,
        Fixtures.maxRelativeDifference(Fixtures.flat(distributed), Fixtures.flat(single), 1e-2));
    assertTrue(difference <= 1e-6, "parameters differ by " + difference + " relative (2-norm)");
    double worst =
        Fixtures.maxRelativeDifference(Fixtures.flat(distributed), Fixtures.flat(single), 1e-2);
    assertTrue(worst <= 1e-5, "a parameter differs by " + worst + " relative");
    assertFalse(
        Arrays.equals(Fixtures.flat(distributed), Fixtures.flat(Fixtures.model(5))),
        "training changed nothing");
  }

  @Test
  void twoRunsAreBitIdentical() throws Exception {
    float[][] results = new float[2][];
    for (int run = 0; run < 2; run++) {
      Mlp model = Fixtures.model(5);
      Adam adam = adam(model);
      try (var trainer = trainer(data(4), model, adam)) {
        new TrainingLoop(trainer).run(0, 8);
      }
      results[run] = Fixtures.flat(model);
    }
    assertArrayEquals(results[0], results[1]);
  }

  @Test
  void eachTaskSlotBuildsTheModelOnceForAllSteps() throws Exception {
    Mlp model = Fixtures.model(5);
    try (var trainer = trainer(data(4), model, adam(model))) {
      int before = Fixtures.BUILDS.get();
      new TrainingLoop(trainer).run(0, 6);
      int built = Fixtures.BUILDS.get() - before;
      // local[2]: two task slots in this JVM, each builds one model for the trainer's broadcast
      assertTrue(built >= 1 && built <= 2, built + " models built for 6 steps of 4 partitions");
    }
  }

  @Test
  void jobDescriptionsNameTheStep() throws Exception {
    Mlp model = Fixtures.model(5);
    try (var trainer = trainer(data(2), model, adam(model))) {
      trainer.step(41);
    }
    assertTrue(
        DESCRIPTIONS.stream()
            .anyMatch(
                d -> d.startsWith("tapegrad: step 41, gradient of 24 examples on 2 partitions")),
        "job descriptions: " + DESCRIPTIONS);
  }

  @Test
  void stepTimingsAddUpToTheStep() {
    Mlp model = Fixtures.model(5);
    try (var trainer = trainer(data(2), model, adam(model))) {
      StepTimings t = trainer.step(0);
      long parts =
          t.schedulingNanos()
              + t.broadcastNanos()
              + t.computeNanos()
              + t.aggregateNanos()
              + t.updateNanos();
      assertTrue(
          t.computeNanos() > 0 && t.broadcastNanos() > 0 && t.aggregateNanos() > 0, t.toString());
      assertTrue(parts <= t.stepNanos() * 1.5 + 1e6, t.toString());
      assertTrue(t.examplesPerSecond() > 0, t.toString());
      assertTrue(t.toString().startsWith("step 0: loss "), t.toString());
    }
  }

  @Test
  void computeGradientsSetsTheMeanGradientWithoutUpdating() {
    Mlp model = Fixtures.model(5);
    float[] before = Fixtures.flat(model);
    try (var trainer = trainer(data(3), model, adam(model))) {
      trainer.computeGradients(0);
      assertArrayEquals(before, Fixtures.flat(model));
      for (Tensor p : model.parameters()) {
        assertTrue(p.grad() != null);
      }
    }
  }

  @Test
  void resumingFromACheckpointEqualsTheUninterruptedRun(@TempDir Path dir) throws Exception {
    Mlp uninterrupted = Fixtures.model(5);
    Adam adam = adam(uninterrupted);
    try (var trainer = trainer(data(2), uninterrupted, adam)) {
      new TrainingLoop(trainer).schedule(new CosineAnnealingLr(adam, 12, 1e-3)).run(0, 12);
    }

    Mlp first = Fixtures.model(5);
    Adam firstAdam = adam(first);
    try (var trainer = trainer(data(2), first, firstAdam)) {
      new TrainingLoop(trainer)
          .schedule(new CosineAnnealingLr(firstAdam, 12, 1e-3))
          .checkpoints(dir, 5)
          .run(0, 11);
    }
    assertEquals(10, TrainingLoop.latest(dir).getAsLong());

    Mlp resumed = Fixtures.model(77); // other initial values: the checkpoint must replace them all
    Adam resumedAdam = adam(resumed);
    LrSchedule schedule = new CosineAnnealingLr(resumedAdam, 12, 1e-3);
    try (var trainer = trainer(data(2), resumed, resumedAdam)) {
      TrainingLoop loop = new TrainingLoop(trainer).schedule(schedule).checkpoints(dir, 5);
      long next = loop.resume();
      assertEquals(10, next);
      loop.run(next, 12);
    }
    assertArrayEquals(Fixtures.flat(uninterrupted), Fixtures.flat(resumed));
  }

  @Test
  void resumeWithoutCheckpointsStartsAtZero(@TempDir Path dir) throws Exception {
    Mlp model = Fixtures.model(5);
    try (var trainer = trainer(data(2), model, adam(model))) {
      assertEquals(0, new TrainingLoop(trainer).checkpoints(dir.resolve("none"), 3).resume());
    }
  }

  @Test
  void badSettingsAreRejectedWithTheirNames() {
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                DataParallelTrainer.builder(data(2), Fixtures.factory(), Fixtures.loss())
                    .globalBatch(0));
    assertTrue(e.getMessage().contains("globalBatch"), e.getMessage());
    Mlp wider = new Mlp(Fixtures.IN, Fixtures.WIDTH + 1, Fixtures.CLASSES, 1);
    e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                DataParallelTrainer.builder(data(2), Fixtures.factory(), Fixtures.loss())
                    .build(wider, adam(wider)));
    assertTrue(e.getMessage().contains("hidden.weight"), e.getMessage());
  }
}
