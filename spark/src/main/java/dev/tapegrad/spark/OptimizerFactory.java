package dev.tapegrad.spark;

import dev.tapegrad.autograd.Tensor;
import dev.tapegrad.optim.Optimizer;
import java.io.Serializable;
import java.util.List;

/**
 * Builds an optimizer over a list of parameters, for {@link AveragingTrainer}, whose executors run
 * optimizer steps of their own.
 *
 * <p>It must build an optimizer of the same class and grouping as the driver's, for example {@code
 * params -> new Adam(params, Adam.options().lr(1e-3))}; the hyper-parameters and state it starts
 * with are replaced by the driver's at the start of every round.
 */
@FunctionalInterface
public interface OptimizerFactory extends Serializable {
  /** An optimizer over {@code params} (a model's {@code parameters()}). */
  Optimizer create(List<Tensor> params);
}
