package dev.tapegrad.nn;

import dev.tapegrad.autograd.Autograd;
import dev.tapegrad.autograd.Function;
import dev.tapegrad.autograd.GradCheck;
import dev.tapegrad.autograd.GradCheckResult;
import dev.tapegrad.autograd.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * GradCheck of a module with respect to its inputs and its parameters.
 *
 * <p>GradCheck perturbs private copies of its inputs, while a module computes with its own
 * parameter tensors. The bridge: a {@link Function} whose inputs are the tensor inputs followed by
 * one tensor per parameter. Its forward copies the parameter values into the module and runs the
 * module's forward with recording on; its backward asks the tape for the gradients with respect to
 * the inputs and the module's parameters. So the numbers compared are exactly the module's own
 * forward and backward.
 */
final class ModuleGradCheck {
  private ModuleGradCheck() {}

  /**
   * Checks {@code forward(inputs)} against finite differences with respect to every input that
   * requires grad and every parameter of {@code module}.
   */
  @SuppressWarnings("try") // the scope is used for its side effect
  static GradCheckResult assertGradients(
      Block module, GradCheck.TensorFunction forward, Tensor... inputs) {
    List<Tensor> params = module.parameters();
    Tensor[] all = Arrays.copyOf(inputs, inputs.length + params.size());
    for (int k = 0; k < params.size(); k++) {
      all[inputs.length + k] =
          Tensor.of(params.get(k).toFloatArray(), params.get(k).shape()).requiresGrad(true);
    }
    List<Tensor> saved = new ArrayList<>();
    module.parameters().forEach(p -> saved.add(Tensor.of(p.toFloatArray(), p.shape())));
    try {
      return GradCheck.assertGradients(
          in -> new Call(module, forward, inputs.length).apply(in), all);
    } finally {
      try (var scope = Autograd.noGrad()) {
        for (int k = 0; k < params.size(); k++) {
          params.get(k).copyFrom(saved.get(k));
        }
      }
    }
  }

  private static final class Call extends Function {
    private final Block module;
    private final GradCheck.TensorFunction forward;
    private final int inputCount;

    Call(Block module, GradCheck.TensorFunction forward, int inputCount) {
      this.module = module;
      this.forward = forward;
      this.inputCount = inputCount;
    }

    @Override
    @SuppressWarnings("try") // the scope is used for its side effect
    protected Tensor forward(Context ctx, Tensor... in) {
      List<Tensor> params = module.parameters();
      for (int k = 0; k < params.size(); k++) {
        params.get(k).copyFrom(in[inputCount + k]);
      }
      Tensor[] leaves = new Tensor[inputCount];
      for (int i = 0; i < inputCount; i++) {
        leaves[i] =
            Tensor.of(in[i].toFloatArray(), in[i].shape()).requiresGrad(in[i].requiresGrad());
      }
      try (var scope = Autograd.enableGrad()) {
        Tensor out = forward.apply(leaves);
        ctx.put("out", out);
        ctx.put("leaves", leaves);
        return out;
      }
    }

    @Override
    protected Tensor[] backward(Context ctx, Tensor gradOutput) {
      Tensor out = ctx.get("out");
      Tensor[] leaves = ctx.get("leaves");
      List<Tensor> params = module.parameters();
      List<Tensor> wrt = new ArrayList<>();
      List<Integer> positions = new ArrayList<>();
      for (int i = 0; i < inputCount; i++) {
        if (leaves[i].requiresGrad()) {
          wrt.add(leaves[i]);
          positions.add(i);
        }
      }
      for (int k = 0; k < params.size(); k++) {
        wrt.add(params.get(k));
        positions.add(inputCount + k);
      }
      Tensor[] grads = new Tensor[inputCount + params.size()];
      List<Tensor> computed = Autograd.grad(List.of(out), wrt, List.of(gradOutput.detach()), false);
      for (int j = 0; j < computed.size(); j++) {
        grads[positions.get(j)] = computed.get(j);
      }
      return grads;
    }
  }
}
