package dev.tapegrad.spark;

import dev.tapegrad.nn.Block;
import dev.tapegrad.optim.Optimizer;

/**
 * A training method that runs each step as a Spark job and keeps the master copy of the model and
 * the optimizer on the driver: {@link DataParallelTrainer} (synchronous, the default) and {@link
 * AveragingTrainer} (local steps, then averaging). {@link TrainingLoop} drives either.
 */
public interface DistributedTrainer {
  /**
   * Runs step (or round) {@code step}: afterwards the driver's model and optimizer hold the updated
   * parameters and state. The result depends only on the state before the step and on {@code step},
   * never on how Spark scheduled or retried the tasks.
   */
  StepTimings step(long step);

  /** The driver's model: the parameters being trained. */
  Block model();

  /** The driver's optimizer over {@link #model()}'s parameters. */
  Optimizer optimizer();
}
