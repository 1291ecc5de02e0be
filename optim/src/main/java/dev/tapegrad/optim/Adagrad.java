package dev.tapegrad.optim;

import static dev.tapegrad.optim.HyperParameter.Range.NON_NEGATIVE;
import static dev.tapegrad.optim.HyperParameter.flag;
import static dev.tapegrad.optim.HyperParameter.number;

import dev.tapegrad.autograd.Tensor;
import java.util.List;

/**
 * Adagrad, with learning-rate decay and an initial accumulator value, as PyTorch's {@code
 * torch.optim.Adagrad}.
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
 * optimizer, a parameter's state is created at its first update rather than at construction, which
 * gives the same numbers.
 */
public final class Adagrad extends Optimizer {
  static final ParamState.Buffer SUM = new ParamState.Buffer("sum", true);

  /** The hyper-parameters, their defaults (PyTorch's) and ranges; also the state-dict keys. */
  static final HyperTable TABLE =
      HyperTable.of(
          h -> List.of(SUM),
          number("lr", 1e-2, NON_NEGATIVE),
          number("lr_decay", 0, NON_NEGATIVE),
          number("weight_decay", 0, NON_NEGATIVE),
          number("initial_accumulator_value", 0, NON_NEGATIVE),
          number("eps", 1e-10, NON_NEGATIVE),
          flag("maximize", false));

  /** PyTorch's defaults: lr 1e-2, no decay of lr or weights, accumulator from 0, eps 1e-10. */
  public static OptimizerOptions<Adagrad> options() {
    return new OptimizerOptions<>("Adagrad", TABLE);
  }

  @Override
  void update(ParamGroup group, Tensor param, Tensor grad, ParamState state) {
    double weightDecay = group.get("weight_decay");
    boolean maximize = group.flag("maximize");
    float eps = (float) group.get("eps");
    double clr = group.lr() / (1 + (state.step - 1) * group.get("lr_decay"));
    float negClr = (float) -clr;
    Tensor sum = state.buffer(SUM.name(), param, (float) group.get("initial_accumulator_value"));
    fused(
        "Adagrad.step",
        grad,
        List.of(param, sum),
        (k, w, g, n) ->
            k.adagradStep(
                w[0], g, w[1], n, maximize, weightDecay != 0, (float) weightDecay, eps, negClr));
  }

  /** An optimizer over one group of parameters; more join with {@link #addParamGroup}. */
  public Adagrad(List<Tensor> params, OptimizerOptions<Adagrad> options) {
    super("Adagrad", TABLE);
    addGroup(params, options);
  }
}
