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
 * {@code initial_accumulator_value}, ...), which are also their state-dict keys; numbers are read
 * with {@link #get}, flags ({@code nesterov}, {@code amsgrad}, {@code centered}, {@code maximize})
 * with {@link #flag}. Decision: only the learning rate changes after construction, through {@link
 * #setLr} (what schedules do); the others are fixed by the options the group was created with, or
 * by a loaded state dict.
 */
public final class ParamGroup {
  private final List<Tensor> params;
  private final Map<String, Object> hyperParameters;

  /**
   * The learning rate schedules count from (PyTorch's {@code initial_lr}); NaN until one is made.
   */
  double initialLr = Double.NaN;

  ParamGroup(List<Tensor> params, Map<String, Object> hyperParameters) {
    this.params = List.copyOf(params);
    this.hyperParameters = new LinkedHashMap<>(hyperParameters);
  }

  /**
   * The parameters, in the order they were given.
   *
   * @return a read-only list
   */
  public List<Tensor> params() {
    return params;
  }

  /**
   * The current learning rate.
   *
   * @return the rate
   */
  public double lr() {
    return get("lr");
  }

  /**
   * Sets the learning rate used by the next {@code step()}.
   *
   * @param lr the rate
   * @throws IllegalArgumentException if {@code lr} is negative, infinite or NaN
   */
  public void setLr(double lr) {
    Checks.nonNegative("setLr", "lr", lr);
    hyperParameters.put("lr", lr);
  }

  /**
   * A numeric hyper-parameter by its PyTorch name.
   *
   * @param name the name, such as {@code beta2}
   * @return its value
   * @throws IllegalArgumentException if this group has no such number (a flag is read with {@link
   *     #flag})
   */
  public double get(String name) {
    if (hyperParameters.get(name) instanceof Double d) {
      return d;
    }
    throw missing(name, "number", "flag(name)");
  }

  /**
   * A flag by its PyTorch name.
   *
   * @param name the name, such as {@code amsgrad}
   * @return its value
   * @throws IllegalArgumentException if this group has no such flag (a number is read with {@link
   *     #get})
   */
  public boolean flag(String name) {
    if (hyperParameters.get(name) instanceof Boolean b) {
      return b;
    }
    throw missing(name, "flag", "get(name)");
  }

  private IllegalArgumentException missing(String name, String kind, String other) {
    String hint =
        hyperParameters.containsKey(name) ? " ('" + name + "' is read with " + other + ")" : "";
    return new IllegalArgumentException(
        "ParamGroup: no "
            + kind
            + " '"
            + name
            + "'"
            + hint
            + "; this group has "
            + hyperParameters.keySet());
  }

  /**
   * Every hyper-parameter by PyTorch name, in a stable order: {@code Double}s, and {@code Boolean}s
   * for flags.
   *
   * @return a read-only snapshot
   */
  public Map<String, Object> hyperParameters() {
    return Collections.unmodifiableMap(new LinkedHashMap<>(hyperParameters));
  }

  void replaceHyperParameters(Map<String, Object> values) {
    hyperParameters.clear();
    hyperParameters.putAll(values);
  }

  @Override
  public String toString() {
    return "ParamGroup{params=" + params.size() + ", " + hyperParameters + "}";
  }
}
