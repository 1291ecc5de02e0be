package dev.tapegrad.optim;

import dev.tapegrad.autograd.Tensor;
import java.util.List;
import java.util.Map;

/**
 * Adagrad, with learning-rate decay and an initial accumulator value, as PyTorch's
 * {@code torch.optim.Adagrad}.
 *
 * <p>For each parameter {@code p} with gradient {@code grad}, at update {@code t} (from 1):
 *
 * <pre>
 * g = maximize ? -grad : grad
 * if weightDecay != 0:  g = g + weightDecay * p
 * clr = lr / (1 + (t - 1) * lrDecay)                          (double)
 * s = s + g * g                       (state sum, from initialAccumulatorValue)
 * p = p - clr * g / (sqrt(s) + eps)
 * </pre>
 *
 * <p>Decisions: each group's own {@code initialAccumulatorValue} is used (PyTorch 1.13 takes the
 * constructor's value for every group, ignoring a group's own); and, as for every tapegrad
 * optimizer, a parameter's state is created at its first update rather than at construction,
 * which gives the same numbers.
 */
public final class Adagrad extends Optimizer {
  static final String SUM = "sum";

  /**
   * Hyper-parameters of a group. Immutable: each setter returns a changed copy. Values are
   * checked when a group is created from them.
   */
  public static final class Options {
    private static final Options DEFAULTS =
        new Options(
            HyperParameters.of(
                "lr", 1e-2, "lr_decay", 0, "weight_decay", 0, "initial_accumulator_value", 0, "eps", 1e-10,
                "maximize", 0));
    private final Map<String, Double> values;

    private Options(Map<String, Double> values) {
      this.values = values;
    }

    /** Learning rate, {@code >= 0}; default 1e-2. */
    public Options lr(double lr) {
      return with("lr", lr);
    }

    /** Learning-rate decay per update, {@code >= 0}; default 0. */
    public Options lrDecay(double lrDecay) {
      return with("lr_decay", lrDecay);
    }

    /** L2 penalty added to the gradient, {@code >= 0}; default 0. */
    public Options weightDecay(double weightDecay) {
      return with("weight_decay", weightDecay);
    }

    /** Starting value of the sum of squared gradients, {@code >= 0}; default 0. */
    public Options initialAccumulatorValue(double value) {
      return with("initial_accumulator_value", value);
    }

    /** Added to the denominator for numerical stability, {@code >= 0}; default 1e-10. */
    public Options eps(double eps) {
      return with("eps", eps);
    }

    /** Maximise the objective instead of minimising it; default off. */
    public Options maximize(boolean maximize) {
      return with("maximize", maximize ? 1 : 0);
    }

    private Options with(String key, double value) {
      return new Options(HyperParameters.with(values, key, value));
    }

    @Override
    public String toString() {
      return "Adagrad.Options" + values;
    }
  }

  /** PyTorch's defaults: lr 1e-2, no decay of lr or weights, accumulator from 0, eps 1e-10. */
  public static Options options() {
    return Options.DEFAULTS;
  }

  /**
   * An optimizer over one group of parameters.
   *
   * @throws IllegalArgumentException for an invalid hyper-parameter, naming it and its value, or
   *     an empty, repeated or non-leaf parameter
   */
  public Adagrad(List<Tensor> params, Options options) {
    super("Adagrad");
    addParamGroup(params, options);
  }

  /** Adds a group with its own hyper-parameters. */
  public void addParamGroup(List<Tensor> params, Options options) {
    addGroup(params, options.values);
  }

  @Override
  void validate(String owner, Map<String, Double> h) {
    Checks.nonNegative(owner, h, "lr");
    Checks.nonNegative(owner, h, "lr_decay");
    Checks.nonNegative(owner, h, "weight_decay");
    Checks.nonNegative(owner, h, "initial_accumulator_value");
    Checks.nonNegative(owner, h, "eps");
    Checks.flag(owner, h, "maximize");
  }

  @Override
  List<String> bufferNames(Map<String, Double> h) {
    return List.of(SUM);
  }

  @Override
  void update(ParamGroup group, Tensor param, Tensor grad, ParamState state) {
    double weightDecay = group.get("weight_decay");
    Tensor g = group.flag("maximize") ? grad.neg() : grad;
    if (weightDecay != 0) {
      g = g.add(param.mul((float) weightDecay));
    }
    double clr = group.lr() / (1 + (state.step - 1) * group.get("lr_decay"));
    Tensor sum = state.buffer(SUM, param, (float) group.get("initial_accumulator_value"));
    sum.addcmulInPlace(g, g, 1f);
    Tensor std = sum.sqrt().add((float) group.get("eps"));
    param.addcdivInPlace(g, std, (float) -clr);
  }
}
