package dev.tapegrad.optim;

import dev.tapegrad.autograd.Tensor;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parameters that an optimizer updates with the same hyper-parameters: one entry of PyTorch's
 * {@code optimizer.param_groups}.
 *
 * <p>Hyper-parameters are named as in PyTorch ({@code lr}, {@code weight_decay}, {@code beta1},
 * {@code initial_accumulator_value}, ...), which are also their state-dict keys; flags
 * ({@code nesterov}, {@code amsgrad}, {@code centered}, {@code maximize}) read 1 or 0. Decision:
 * only the learning rate changes after construction, through {@link #setLr} (what schedules do);
 * the others are fixed by the options the group was created with, or by a loaded state dict.
 */
public final class ParamGroup {
  private final List<Tensor> params;
  private final Map<String, Double> hyperParameters;
  /** The learning rate schedules count from (PyTorch's {@code initial_lr}); NaN until one is made. */
  double initialLr = Double.NaN;

  ParamGroup(List<Tensor> params, Map<String, Double> hyperParameters) {
    this.params = List.copyOf(params);
    this.hyperParameters = new LinkedHashMap<>(hyperParameters);
  }

  /** The parameters, in the order they were given. */
  public List<Tensor> params() {
    return params;
  }

  /** The current learning rate. */
  public double lr() {
    return hyperParameters.get("lr");
  }

  /**
   * Sets the learning rate used by the next {@code step()}.
   *
   * @throws IllegalArgumentException if {@code lr} is negative, infinite or NaN
   */
  public void setLr(double lr) {
    Checks.nonNegative("setLr", "lr", lr);
    hyperParameters.put("lr", lr);
  }

  /**
   * A hyper-parameter by its PyTorch name; flags read 1 or 0.
   *
   * @throws IllegalArgumentException if this group has no such hyper-parameter
   */
  public double get(String name) {
    Double v = hyperParameters.get(name);
    if (v == null) {
      throw new IllegalArgumentException(
          "ParamGroup.get: no hyper-parameter '" + name + "'; this group has " + hyperParameters.keySet());
    }
    return v;
  }

  /** Every hyper-parameter by PyTorch name, in a stable order (a read-only snapshot). */
  public Map<String, Double> hyperParameters() {
    return Collections.unmodifiableMap(new LinkedHashMap<>(hyperParameters));
  }

  boolean flag(String name) {
    return get(name) != 0;
  }

  void replaceHyperParameters(Map<String, Double> values) {
    hyperParameters.clear();
    hyperParameters.putAll(values);
  }

  @Override
  public String toString() {
    return "ParamGroup{params=" + params.size() + ", " + hyperParameters + "}";
  }
}
