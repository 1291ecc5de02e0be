package dev.tapegrad.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

class FunctionSavedTensorTest {
  /** Returns its input unchanged and saves it; backward reports what it got back. */
  static final class Identity extends Function {
    Tensor seenInBackward;

    @Override
    protected Tensor forward(Context ctx, Tensor... inputs) {
      ctx.saveForBackward(inputs[0]);
      return inputs[0];
    }

    @Override
    protected Tensor[] backward(Context ctx, Tensor gradOutput) {
      seenInBackward = ctx.saved(0);
      return new Tensor[] {gradOutput};
    }
  }

  /** Saves its own output, as tanh's backward would. */
  static final class Tanh extends Function {
    Tensor output;
    Tensor seenInBackward;

    @Override
    protected Tensor forward(Context ctx, Tensor... inputs) {
      Tensor y = inputs[0].tanh();
      ctx.saveForBackward(y);
      return y;
    }

    @Override
    protected Tensor[] backward(Context ctx, Tensor gradOutput) {
      seenInBackward = ctx.saved(0);
      return new Tensor[] {gradOutput.mul(seenInBackward.square().rsub(1f))};
    }
  }

  @Test
  void aSavedInputStaysTheInputWhenTheForwardReturnsIt() {
    Tensor x = Tensor.vector(1f, 2f).requiresGrad(true);
    Identity identity = new Identity();
    identity.apply(x).sum().backward();
    assertSame(x, identity.seenInBackward);
    assertArrayEquals(new float[] {1f, 1f}, x.grad().toFloatArray());
  }

  @Test
  void aSavedResultIsTheRecordedOutput() {
    Tensor x = Tensor.vector(0.5f, -1f).requiresGrad(true);
    Tanh tanh = new Tanh();
    Tensor y = tanh.apply(x);
    y.sum().backward();
    assertSame(y, tanh.seenInBackward);
    GradCheck.assertSecondOrderGradients(in -> new Tanh().apply(in[0]), x);
  }
}
