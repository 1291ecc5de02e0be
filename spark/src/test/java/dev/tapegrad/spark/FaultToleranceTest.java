package dev.tapegrad.spark;

import static dev.tapegrad.spark.Fixtures.Example;
import static dev.tapegrad.spark.Fixtures.Mlp;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tapegrad.optim.Adam;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A task is a pure function of (parameters, step, partition): Spark's retries change nothing. */
class FaultToleranceTest {
  private static JavaSparkContext sc;
  private static final List<Example> EXAMPLES = Fixtures.examples(120, 4);
  private static final AtomicInteger FAILURES = new AtomicInteger();

  @BeforeAll
  static void start() {
    // two threads, and up to three attempts per task
    sc = Fixtures.context("local[2,3]", "FaultToleranceTest");
  }

  @AfterAll
  static void stop() {
    sc.stop();
  }

  /** The fixtures' loss, except that partition 1's first attempt fails after its forward pass. */
  private static BatchLoss<Mlp, Example> failingFirstAttempt() {
    BatchLoss<Mlp, Example> loss = Fixtures.loss();
    return (model, batch) -> {
      var value = loss.sumLoss(model, batch);
      TaskContext task = TaskContext.get();
      if (task.partitionId() == 1 && task.attemptNumber() == 0) {
        FAILURES.incrementAndGet();
        throw new IllegalStateException("injected failure of partition 1, attempt 0");
      }
      return value;
    };
  }

  private static float[] train(
      JavaRDD<Example> data, BatchLoss<Mlp, Example> loss, boolean averaging) throws Exception {
    Mlp model = Fixtures.model(5);
    Adam adam = new Adam(model.parameters(), Adam.options().lr(1e-2));
    if (averaging) {
      try (var trainer =
          AveragingTrainer.builder(
                  data,
                  Fixtures.factory(),
                  loss,
                  params -> new Adam(params, Adam.options().lr(1e-2)))
              .localSteps(3)
              .localBatch(8)
              .seed(2)
              .build(model, adam)) {
        new TrainingLoop(trainer).run(0, 3);
      }
    } else {
      try (var trainer =
          DataParallelTrainer.builder(data, Fixtures.factory(), loss)
              .globalBatch(30)
              .seed(2)
              .build(model, adam)) {
        new TrainingLoop(trainer).run(0, 5);
      }
    }
    return Fixtures.flat(model);
  }

  @Test
  void retriedTasksGiveBitIdenticalParameters() throws Exception {
    JavaRDD<Example> data = sc.parallelize(EXAMPLES, 3);
    float[] clean = train(data, Fixtures.loss(), false);
    int before = FAILURES.get();
    float[] retried = train(data, failingFirstAttempt(), false);
    assertEquals(5, FAILURES.get() - before, "one failed attempt per step");
    assertArrayEquals(clean, retried);
  }

  @Test
  void retriedAveragingRoundsGiveBitIdenticalParameters() throws Exception {
    JavaRDD<Example> data = sc.parallelize(EXAMPLES, 3);
    float[] clean = train(data, Fixtures.loss(), true);
    int before = FAILURES.get();
    float[] retried = train(data, failingFirstAttempt(), true);
    assertTrue(FAILURES.get() - before >= 3, "failed attempts: " + (FAILURES.get() - before));
    assertArrayEquals(clean, retried);
  }
}
