package dev.tapegrad.nn;

import dev.tapegrad.autograd.Autograd;
import dev.tapegrad.autograd.Function;
import dev.tapegrad.autograd.Tensor;
import dev.tapegrad.autograd.kernel.KernelProvider;
import dev.tapegrad.autograd.kernel.Kernels;
import dev.tapegrad.autograd.kernel.UnaryOp;
import java.util.List;

/**
 * One step of a {@link JordanCell} as a single tape node. Internal.
 *
 * <p>Inputs, in this order: {@code x [B, in]}, the previous output {@code y [B, out]}, {@code W_ih
 * [H, in]}, {@code W_yh [H, out]}, {@code b_ih}, {@code b_hh} {@code [H]}, {@code W_hy [out, H]},
 * {@code b_hy [out]} (biases null without them). The output is one flat tensor, {@code h_t [B, H]}
 * then {@code y_t [B, out]}. As {@link FusedDirection}, a backward whose graph is recorded
 * differentiates the composed ops instead, so second derivatives work.
 */
final class FusedJordanStep extends Function {
  private final RnnCell.Nonlinearity nonlinearity;

  FusedJordanStep(RnnCell.Nonlinearity nonlinearity) {
    this.nonlinearity = nonlinearity;
  }

  @Override
  public String name() {
    return "jordanFused";
  }

  /** Runs the step, fused unless {@link FusedRecurrence} is disabled on this thread. */
  Tensor run(Tensor... inputs) {
    return FusedRecurrence.isEnabled() ? apply(inputs) : composed(inputs);
  }

  /** The same output recorded as composed ops: the reference, and the double-backward path. */
  Tensor composed(Tensor... in) {
    Tensor projection = Recurrence.project(in[0], in[2], Recurrence.sumOfBiases(in[4], in[5]));
    Tensor h = nonlinearity.apply(projection.add(Recurrence.project(in[1], in[3], null)));
    Tensor y = Recurrence.project(h, in[6], in[7]);
    return Tensor.cat(List.of(h.reshape(-1), y.reshape(-1)), 0);
  }

  @Override
  protected Tensor forward(Context ctx, Tensor... in) {
    Kernels k = KernelProvider.get();
    int batch = in[0].size(0);
    int features = in[0].size(1);
    int outputs = in[1].size(1);
    int hidden = in[2].size(0);
    float[] x = in[0].toFloatArray();
    float[] y = in[1].toFloatArray();
    float[] wIh = in[2].toFloatArray();
    float[] wYh = in[3].toFloatArray();
    float[] wHy = in[6].toFloatArray();
    float[] h = new float[batch * hidden];
    k.gemm(batch, hidden, features, x, 0, false, wIh, 0, true, h, 0);
    if (in[4] != null) {
      float[] bias = in[4].toFloatArray();
      float[] other = in[5].toFloatArray();
      for (int j = 0; j < hidden; j++) {
        bias[j] += other[j];
      }
      addRows(h, bias, batch);
    }
    float[] feedback = new float[batch * hidden];
    k.gemm(batch, hidden, outputs, y, 0, false, wYh, 0, true, feedback, 0);
    for (int i = 0; i < h.length; i++) {
      h[i] += feedback[i];
    }
    k.unary(
        nonlinearity == RnnCell.Nonlinearity.TANH ? UnaryOp.TANH : UnaryOp.RELU,
        h,
        0,
        h,
        0,
        h.length);
    float[] packed = new float[batch * (hidden + outputs)];
    System.arraycopy(h, 0, packed, 0, h.length);
    float[] next = new float[batch * outputs];
    k.gemm(batch, outputs, hidden, h, 0, false, wHy, 0, true, next, 0);
    if (in[7] != null) {
      addRows(next, in[7].toFloatArray(), batch);
    }
    System.arraycopy(next, 0, packed, h.length, next.length);
    ctx.saveForBackward(in);
    ctx.put("arrays", new float[][] {x, y, wIh, wYh, wHy, h});
    return Tensor.of(packed, packed.length);
  }

  private static void addRows(float[] matrix, float[] row, int rows) {
    int n = row.length;
    for (int r = 0; r < rows; r++) {
      for (int j = 0; j < n; j++) {
        matrix[r * n + j] += row[j];
      }
    }
  }

  @Override
  protected Tensor[] backward(Context ctx, Tensor gradOutput) {
    Tensor[] in = Recurrence.savedInputs(ctx, 8);
    if (Autograd.isGradEnabled()) {
      return Recurrence.composedGradients(ctx, in, this::composed, gradOutput);
    }
    Kernels k = KernelProvider.get();
    float[][] arrays = ctx.get("arrays");
    float[] x = arrays[0];
    float[] y = arrays[1];
    float[] h = arrays[5];
    int batch = in[0].size(0);
    int features = in[0].size(1);
    int outputs = in[1].size(1);
    int hidden = in[2].size(0);
    float[] g = gradOutput.toFloatArray();
    float[] dNext = new float[batch * outputs];
    System.arraycopy(g, batch * hidden, dNext, 0, dNext.length);
    Tensor[] grads = new Tensor[8];
    if (ctx.needsInputGrad(6)) {
      float[] dw = new float[outputs * hidden];
      k.gemm(outputs, hidden, batch, dNext, 0, true, h, 0, false, dw, 0);
      grads[6] = Tensor.of(dw, outputs, hidden);
    }
    if (ctx.needsInputGrad(7)) {
      float[] db = new float[outputs];
      k.sumAxis(dNext, 1, batch, outputs, db);
      grads[7] = Tensor.of(db, outputs);
    }
    // dh = g_h + dy' W_hy, then through the nonlinearity: d tanh = 1 - h², d relu = [h > 0]
    float[] dPre = new float[batch * hidden];
    k.gemm(batch, hidden, outputs, dNext, 0, false, arrays[4], 0, false, dPre, 0);
    boolean tanh = nonlinearity == RnnCell.Nonlinearity.TANH;
    for (int i = 0; i < dPre.length; i++) {
      float d = g[i] + dPre[i];
      dPre[i] = tanh ? d * (1 - h[i] * h[i]) : (h[i] > 0 ? d : 0f);
    }
    if (ctx.needsInputGrad(0)) {
      float[] dx = new float[batch * features];
      k.gemm(batch, features, hidden, dPre, 0, false, arrays[2], 0, false, dx, 0);
      grads[0] = Tensor.of(dx, batch, features);
    }
    if (ctx.needsInputGrad(1)) {
      float[] dy = new float[batch * outputs];
      k.gemm(batch, outputs, hidden, dPre, 0, false, arrays[3], 0, false, dy, 0);
      grads[1] = Tensor.of(dy, batch, outputs);
    }
    if (ctx.needsInputGrad(2)) {
      float[] dw = new float[hidden * features];
      k.gemm(hidden, features, batch, dPre, 0, true, x, 0, false, dw, 0);
      grads[2] = Tensor.of(dw, hidden, features);
    }
    if (ctx.needsInputGrad(3)) {
      float[] dw = new float[hidden * outputs];
      k.gemm(hidden, outputs, batch, dPre, 0, true, y, 0, false, dw, 0);
      grads[3] = Tensor.of(dw, hidden, outputs);
    }
    if (ctx.needsInputGrad(4) || ctx.needsInputGrad(5)) {
      float[] db = new float[hidden];
      k.sumAxis(dPre, 1, batch, hidden, db);
      grads[4] = ctx.needsInputGrad(4) ? Tensor.of(db, hidden) : null;
      grads[5] = ctx.needsInputGrad(5) ? Tensor.of(db, hidden) : null;
    }
    return grads;
  }
}
