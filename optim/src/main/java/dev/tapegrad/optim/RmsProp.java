package dev.tapegrad.optim;

import static dev.tapegrad.optim.HyperParameter.Range.NON_NEGATIVE;
import static dev.tapegrad.optim.HyperParameter.Range.UNIT;
import static dev.tapegrad.optim.HyperParameter.flag;
import static dev.tapegrad.optim.HyperParameter.number;

import dev.tapegrad.autograd.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * RMSProp, optionally centered and with momentum, as PyTorch's {@code torch.optim.RMSprop}.
 *
 * <p>For each parameter {@code p} with gradient {@code grad}:
 *
 * <pre>
 * g = maximize ? -grad : grad
 * if weightDecay != 0:  g = g + weightDecay * p
 * v = alpha * v + (1 - alpha) * g * g              (state square_avg, from 0)
 * if centered:
 *   gAvg = alpha * gAvg + (1 - alpha) * g          (state grad_avg, from 0)
 *   avg = sqrt(v - gAvg * gAvg) + eps
 * else:
 *   avg = sqrt(v) + eps
 * if momentum > 0:
 *   b = momentum * b + g / avg                     (state momentum_buffer, from 0)
 *   p = p - lr * b
 * else:
 *   p = p - lr * g / avg
 * </pre>
 */
public final class RmsProp extends Optimizer {
  static final ParamState.Buffer SQUARE_AVG = new ParamState.Buffer("square_avg", true);
  static final ParamState.Buffer GRAD_AVG = new ParamState.Buffer("grad_avg", false);
  static final ParamState.Buffer MOMENTUM_BUFFER = new ParamState.Buffer("momentum_buffer", false);

  /** The hyper-parameters, their defaults (PyTorch's) and ranges; also the state-dict keys. */
  static final HyperTable TABLE =
      HyperTable.of(
          RmsProp::buffers,
          number("lr", 1e-2, NON_NEGATIVE),
          number("alpha", 0.99, UNIT),
          number("eps", 1e-8, NON_NEGATIVE),
          number("weight_decay", 0, NON_NEGATIVE),
          number("momentum", 0, NON_NEGATIVE),
          flag("centered", false),
          flag("maximize", false));

  /**
   * PyTorch's defaults: lr 1e-2, alpha 0.99, eps 1e-8, no weight decay or momentum, not centered.
   */
  public static OptimizerOptions<RmsProp> options() {
    return new OptimizerOptions<>("RmsProp", TABLE);
  }

  private static List<ParamState.Buffer> buffers(Map<String, Object> h) {
    List<ParamState.Buffer> names = new ArrayList<>(List.of(SQUARE_AVG));
    if ((Double) h.get("momentum") > 0) {
      names.add(MOMENTUM_BUFFER);
    }
    if ((Boolean) h.get("centered")) {
      names.add(GRAD_AVG);
    }
    return names;
  }

  @Override
  void update(ParamGroup group, Tensor param, Tensor grad, ParamState state) {
    double alpha = group.get("alpha");
    double weightDecay = group.get("weight_decay");
    double momentum = group.get("momentum");
    boolean maximize = group.flag("maximize");
    float eps = (float) group.get("eps");
    float negLr = (float) -group.lr();
    Tensor squareAvg = state.buffer(SQUARE_AVG.name(), param);
    Tensor gradAvg = group.flag("centered") ? state.buffer(GRAD_AVG.name(), param) : null;
    Tensor buffer = momentum > 0 ? state.buffer(MOMENTUM_BUFFER.name(), param) : null;
    fused(
        "RmsProp.step",
        grad,
        Arrays.asList(param, squareAvg, gradAvg, buffer),
        (k, w, g, n) ->
            k.rmsPropStep(
                w[0],
                g,
                w[1],
                w[2],
                w[3],
                n,
                maximize,
                weightDecay != 0,
                (float) weightDecay,
                (float) alpha,
                (float) (1 - alpha),
                eps,
                (float) momentum,
                negLr));
  }

  /** An optimizer over one group of parameters; more join with {@link #addParamGroup}. */
  public RmsProp(List<Tensor> params, OptimizerOptions<RmsProp> options) {
    super("RmsProp", TABLE);
    addGroup(params, options);
  }
}
