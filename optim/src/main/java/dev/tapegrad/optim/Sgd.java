package dev.tapegrad.optim;

import static dev.tapegrad.optim.HyperParameter.Range.NON_NEGATIVE;
import static dev.tapegrad.optim.HyperParameter.Range.UNIT;
import static dev.tapegrad.optim.HyperParameter.flag;
import static dev.tapegrad.optim.HyperParameter.number;

import dev.tapegrad.autograd.Tensor;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Stochastic gradient descent with optional momentum, dampening, Nesterov momentum, weight decay
 * and maximisation, as PyTorch's {@code torch.optim.SGD}.
 *
 * <p>For each parameter {@code p} with gradient {@code grad}, at update {@code t}:
 *
 * <pre>
 * g = maximize ? -grad : grad
 * if weightDecay != 0:   g = g + weightDecay * p
 * if momentum != 0:
 *   b = (t == 1) ? g : momentum * b + (1 - dampening) * g
 *   g = nesterov ? g + momentum * b : b
 * p = p - lr * g
 * </pre>
 *
 * The momentum buffer {@code b} is state {@code momentum_buffer}. Elementwise arithmetic is float32
 * in PyTorch's order; scalar arithmetic on hyper-parameters is double, as in PyTorch.
 */
public final class Sgd extends Optimizer {
  static final ParamState.Buffer MOMENTUM_BUFFER = new ParamState.Buffer("momentum_buffer", false);

  /** The hyper-parameters, their defaults (PyTorch's) and ranges; also the state-dict keys. */
  static final HyperTable TABLE =
      HyperTable.of(
              h -> (Double) h.get("momentum") != 0 ? List.of(MOMENTUM_BUFFER) : List.of(),
              number("lr", 1e-3, NON_NEGATIVE),
              number("momentum", 0, NON_NEGATIVE),
              number("dampening", 0, UNIT),
              number("weight_decay", 0, NON_NEGATIVE),
              flag("nesterov", false),
              flag("maximize", false))
          .constrained(Sgd::checkNesterov);

  /** PyTorch's defaults: lr 1e-3, no momentum, dampening, weight decay, nesterov or maximize. */
  public static OptimizerOptions<Sgd> options() {
    return new OptimizerOptions<>("Sgd", TABLE);
  }

  private static void checkNesterov(String owner, Map<String, Object> h) {
    double momentum = (Double) h.get("momentum");
    double dampening = (Double) h.get("dampening");
    if ((Boolean) h.get("nesterov") && (momentum <= 0 || dampening != 0)) {
      throw new IllegalArgumentException(
          owner
              + ": invalid nesterov: true needs momentum > 0 and dampening 0 (momentum "
              + momentum
              + ", dampening "
              + dampening
              + ")");
    }
  }

  @Override
  void update(ParamGroup group, Tensor param, Tensor grad, ParamState state) {
    double momentum = group.get("momentum");
    double weightDecay = group.get("weight_decay");
    float oneMinusDampening = (float) (1 - group.get("dampening"));
    boolean maximize = group.flag("maximize");
    boolean nesterov = group.flag("nesterov");
    float negLr = (float) -group.lr();
    Tensor buffer = null;
    boolean first = false;
    if (momentum != 0) {
      buffer = state.buffers.get(MOMENTUM_BUFFER.name());
      first = buffer == null;
      if (first) {
        buffer = state.buffer(MOMENTUM_BUFFER.name(), param);
      }
    }
    boolean firstStep = first;
    fused(
        "Sgd.step",
        grad,
        Arrays.asList(param, buffer),
        (k, w, g, n) ->
            k.sgdStep(
                w[0],
                g,
                w[1],
                n,
                maximize,
                weightDecay != 0,
                (float) weightDecay,
                (float) momentum,
                oneMinusDampening,
                nesterov,
                firstStep,
                negLr));
  }

  /** An optimizer over one group of parameters; more join with {@link #addParamGroup}. */
  public Sgd(List<Tensor> params, OptimizerOptions<Sgd> options) {
    super("Sgd", TABLE);
    addGroup(params, options);
  }
}
