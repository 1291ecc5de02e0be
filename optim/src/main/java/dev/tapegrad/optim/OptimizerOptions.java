package dev.tapegrad.optim;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The hyper-parameters of one parameter group, as given to an optimizer's constructor or to {@link
 * Optimizer#addParamGroup}. Immutable: each setter returns a changed copy.
 *
 * <p>Each optimizer declares its hyper-parameters once, in a table of names, types, defaults and
 * ranges; its {@code options()} returns the defaults, and the setters here are the union of what
 * the five optimizers have. A setter for a hyper-parameter the optimizer lacks throws at once
 * (PyTorch raises for an unknown keyword the same way); a value out of range is reported, with its
 * name, when a group is made from the options.
 *
 * @param <T> the optimizer these options are for, so that the compiler refuses another's
 */
public final class OptimizerOptions<T extends Optimizer> {
  private final String owner;
  private final HyperTable table;
  private final Map<String, Object> values;

  /** The defaults of {@code table}, for the optimizer named {@code owner}. */
  OptimizerOptions(String owner, HyperTable table) {
    this(owner, table, table.defaults());
  }

  private OptimizerOptions(String owner, HyperTable table, Map<String, Object> values) {
    this.owner = owner;
    this.table = table;
    this.values = values;
  }

  /** Learning rate, {@code >= 0}. */
  public OptimizerOptions<T> lr(double lr) {
    return set("lr", lr);
  }

  /**
   * Weight decay, {@code >= 0}: an L2 penalty added to the gradient, or AdamW's decoupled decay.
   */
  public OptimizerOptions<T> weightDecay(double weightDecay) {
    return set("weight_decay", weightDecay);
  }

  /** Maximise the objective instead of minimising it; default off. */
  public OptimizerOptions<T> maximize(boolean maximize) {
    return set("maximize", maximize);
  }

  /** Momentum factor, {@code >= 0}, of Sgd and RmsProp; default 0. */
  public OptimizerOptions<T> momentum(double momentum) {
    return set("momentum", momentum);
  }

  /** Sgd's dampening of the momentum's gradient term, in [0, 1]; default 0. */
  public OptimizerOptions<T> dampening(double dampening) {
    return set("dampening", dampening);
  }

  /** Sgd's Nesterov momentum (needs momentum &gt; 0 and no dampening); default off. */
  public OptimizerOptions<T> nesterov(boolean nesterov) {
    return set("nesterov", nesterov);
  }

  /** Adam's decay rates of the first and second moments, each in [0, 1); default 0.9, 0.999. */
  public OptimizerOptions<T> betas(double beta1, double beta2) {
    return set("beta1", beta1).set("beta2", beta2);
  }

  /** Added to the denominator for numerical stability, {@code >= 0}. */
  public OptimizerOptions<T> eps(double eps) {
    return set("eps", eps);
  }

  /** Adam's use of the maximum of past second moments (AMSGrad); default off. */
  public OptimizerOptions<T> amsgrad(boolean amsgrad) {
    return set("amsgrad", amsgrad);
  }

  /** RmsProp's smoothing constant of the averages, in [0, 1]; default 0.99. */
  public OptimizerOptions<T> alpha(double alpha) {
    return set("alpha", alpha);
  }

  /** RmsProp's normalising by the gradient's variance instead of its second moment; default off. */
  public OptimizerOptions<T> centered(boolean centered) {
    return set("centered", centered);
  }

  /** Adagrad's learning-rate decay per update, {@code >= 0}; default 0. */
  public OptimizerOptions<T> lrDecay(double lrDecay) {
    return set("lr_decay", lrDecay);
  }

  /** Adagrad's starting value of the sum of squared gradients, {@code >= 0}; default 0. */
  public OptimizerOptions<T> initialAccumulatorValue(double value) {
    return set("initial_accumulator_value", value);
  }

  /** A copy with one value replaced; values are checked later, all together. */
  private OptimizerOptions<T> set(String key, Object value) {
    if (!values.containsKey(key)) {
      throw new IllegalArgumentException(
          owner
              + " has no hyper-parameter "
              + HyperParameter.javaName(key)
              + "; it has "
              + values.keySet());
    }
    Map<String, Object> changed = new LinkedHashMap<>(values);
    changed.put(key, value);
    return new OptimizerOptions<>(owner, table, Collections.unmodifiableMap(changed));
  }

  /** The table these options come from. */
  final HyperTable table() {
    return table;
  }

  /**
   * Every hyper-parameter by PyTorch name, in the table's order: a {@code Double}, or a {@code
   * Boolean} for a flag.
   *
   * @return a read-only map
   */
  public Map<String, Object> values() {
    return values;
  }

  @Override
  public String toString() {
    return owner + ".Options" + values;
  }
}
