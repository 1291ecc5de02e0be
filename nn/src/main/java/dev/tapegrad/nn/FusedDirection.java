package dev.tapegrad.nn;

import dev.tapegrad.autograd.Autograd;
import dev.tapegrad.autograd.Function;
import dev.tapegrad.autograd.Tensor;
import dev.tapegrad.autograd.kernel.KernelProvider;
import dev.tapegrad.autograd.kernel.KernelThreads;
import dev.tapegrad.autograd.kernel.Kernels;
import dev.tapegrad.autograd.kernel.PackedMatrix;
import dev.tapegrad.autograd.kernel.UnaryOp;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One direction of one recurrent layer over all its steps as a single tape node; a cell step is the
 * case of one step. Internal.
 *
 * <p>Inputs, in this order: {@code x [T, B, in]} (time-major), {@code h0 [B, H]}, {@code c0 [B, H]}
 * (LSTM; null otherwise), {@code W_ih [G*H, in]}, {@code W_hh [G*H, H]}, {@code b_ih} and {@code
 * b_hh [G*H]} (null without biases). The output is one flat tensor: the outputs {@code [T, B, H]}
 * (only with {@code emitSequence}), then the final {@code h} {@code [B, H]}, then for an LSTM the
 * final {@code c}; {@link #split} cuts it apart.
 *
 * <p>Forward: the input projection of all steps is one product; then per step one product of {@code
 * h} with {@code W_hh} into a preallocated buffer and one pass for the gate nonlinearities and the
 * state update, which keeps the activations for backward. Backward: per step one pass for the gate
 * gradients and one product for {@code dh}; the gradients of the weights, the biases and the input
 * are each one product (or sum) over all steps. Every product and nonlinearity runs on {@link
 * KernelProvider#get()}.
 *
 * <p>The per-step products use {@code W_hh} packed once per pass ({@link Kernels#pack}): packing it
 * at every step cost as much as the step's product. The batch entries' recurrences never meet, so
 * {@link KernelThreads#rows} runs each thread's share of the batch through all the steps with no
 * synchronisation between steps; the packed product computes each row alike whatever rows it is
 * given, so the bits do not depend on the thread count.
 *
 * <p>With {@code lengths}, a batch entry {@code b} takes part in step {@code t} only when {@code t
 * < lengths[b]}: at its other steps its state is kept, its output is zero and its gradients are
 * exactly zero, as for a packed sequence in PyTorch.
 *
 * <p>Double backward: a backward run with grad mode on is one whose graph is being recorded ({@code
 * Autograd.grad(..., createGraph = true)}; the engine runs every other backward under no-grad).
 * Then this node recomputes its output with the composed ops of {@link CellKind#composedStep} and
 * differentiates those, so the gradients it returns are themselves differentiable.
 */
final class FusedDirection extends Function {
  private final CellKind kind;

  /** Each batch entry's length, or null when every entry runs all steps. */
  private final int[] lengths;

  private final boolean reverse;
  private final boolean emitSequence;

  FusedDirection(CellKind kind, int[] lengths, boolean reverse, boolean emitSequence) {
    this.kind = kind;
    this.lengths = lengths;
    this.reverse = reverse;
    this.emitSequence = emitSequence;
  }

  @Override
  public String name() {
    return switch (kind) {
      case RNN_TANH, RNN_RELU -> "rnnFused";
      case LSTM -> "lstmFused";
      case GRU -> "gruFused";
    };
  }

  /** Runs one direction, fused unless {@link FusedRecurrence} is disabled on this thread. */
  static Tensor run(
      CellKind kind,
      int[] lengths,
      boolean reverse,
      boolean emitSequence,
      Tensor x,
      Tensor h0,
      Tensor c0,
      Tensor[] weights) {
    Tensor[] inputs = {x, h0, c0, weights[0], weights[1], weights[2], weights[3]};
    FusedDirection node = new FusedDirection(kind, lengths, reverse, emitSequence);
    return FusedRecurrence.isEnabled() ? node.apply(inputs) : node.composed(inputs);
  }

  /** Cuts the flat output into {outputs [T, B, H] (or null), h [B, H], c [B, H] (or null)}. */
  static Tensor[] split(
      Tensor packed, CellKind kind, boolean emitSequence, int steps, int batch, int hidden) {
    int state = batch * hidden;
    Tensor[] out = new Tensor[3];
    if (!emitSequence && !kind.hasCellState()) {
      out[1] = packed.reshape(batch, hidden);
      return out;
    }
    int sequence = emitSequence ? steps * state : 0;
    if (emitSequence) {
      out[0] = packed.narrow(0, 0, sequence).reshape(steps, batch, hidden);
    }
    out[1] = packed.narrow(0, sequence, state).reshape(batch, hidden);
    if (kind.hasCellState()) {
      out[2] = packed.narrow(0, sequence + state, state).reshape(batch, hidden);
    }
    return out;
  }

  private boolean active(int b, int t) {
    return lengths == null || t < lengths[b];
  }

  // ---------------------------------------------------------------- composed reference

  /** The same output as the fused node, recorded as the composed ops of every step. */
  Tensor composed(Tensor... in) {
    Tensor x = in[0];
    int steps = x.size(0);
    int batch = x.size(1);
    Tensor projection =
        Recurrence.project(x.reshape(steps * batch, x.size(2)), in[3], kind.inputBias(in[5], in[6]))
            .reshape(steps, batch, -1);
    List<Tensor> projections = Recurrence.unbind(projection);
    Tensor stepBias = kind.foldsHiddenBias() ? null : in[6];
    Tensor[] state = kind.hasCellState() ? new Tensor[] {in[1], in[2]} : new Tensor[] {in[1]};
    Tensor zero = Tensor.scalar(0f);
    Tensor[] outputs = new Tensor[steps];
    for (int s = 0; s < steps; s++) {
      int t = reverse ? steps - 1 - s : s;
      Tensor[] next = kind.composedStep(projections.get(t), state, in[4], stepBias);
      Tensor mask = mask(t, batch);
      if (mask == null) {
        outputs[t] = next[0];
      } else {
        // finished (or, in reverse, not yet started) sequences keep their state and output zero
        for (int i = 0; i < next.length; i++) {
          next[i] = Tensor.where(mask, next[i], state[i]);
        }
        outputs[t] = Tensor.where(mask, next[0], zero);
      }
      System.arraycopy(next, 0, state, 0, next.length);
    }
    List<Tensor> parts = new ArrayList<>(3);
    if (emitSequence) {
      parts.add(Tensor.stack(Arrays.asList(outputs), 0).reshape(-1));
    }
    for (Tensor s : state) {
      parts.add(s.reshape(-1));
    }
    return parts.size() == 1 ? parts.get(0) : Tensor.cat(parts, 0);
  }

  /** A [B, 1] mask of the entries taking part in step t, or null when all do. */
  private Tensor mask(int t, int batch) {
    if (lengths == null) {
      return null;
    }
    float[] m = new float[batch];
    boolean all = true;
    for (int b = 0; b < batch; b++) {
      m[b] = active(b, t) ? 1f : 0f;
      all &= active(b, t);
    }
    return all ? null : Tensor.of(m, batch, 1);
  }

  // ---------------------------------------------------------------- fused forward

  /** What the forward keeps for the backward, all flat and time-major. */
  private static final class Trace {
    int steps;
    int batch;
    int features;
    int hidden;
    float[] x;
    float[] weightIh;
    float[] weightHh;

    /** The state before step t, [T, B, H]. */
    float[] hPrev;

    /** LSTM: the cell state before step t, [T, B, H]. */
    float[] cPrev;

    /** LSTM: tanh(c_t), [T, B, H]. */
    float[] tanhC;

    /**
     * Activations: Elman h_t [T, B, H]; LSTM i, f, g, o [T, B, 4H]; GRU r, z, n, W_hn h + b_hn [T,
     * B, 4H].
     */
    float[] act;
  }

  @Override
  protected Tensor forward(Context ctx, Tensor... in) {
    Kernels k = KernelProvider.get();
    Trace tr = new Trace();
    tr.steps = in[0].size(0);
    tr.batch = in[0].size(1);
    tr.features = in[0].size(2);
    tr.hidden = in[1].size(1);
    int steps = tr.steps;
    int batch = tr.batch;
    int hidden = tr.hidden;
    int rows = steps * batch;
    int width = kind.gates * hidden;
    tr.x = in[0].toFloatArray();
    tr.weightIh = in[3].toFloatArray();
    tr.weightHh = in[4].toFloatArray();

    float[] projection = new float[rows * width];
    k.gemm(rows, width, tr.features, tr.x, 0, false, tr.weightIh, 0, true, projection, 0);
    float[] inputBias = inputBias(in[5], in[6], width);
    float[] hiddenBias = kind.foldsHiddenBias() ? null : orZeros(in[6], width);

    int state = batch * hidden;
    float[] h = in[1].toFloatArray();
    float[] c = kind.hasCellState() ? in[2].toFloatArray() : null;
    // the outputs are written in place into the flat result, which the final states then end
    int sequence = emitSequence ? rows * hidden : 0;
    float[] packed = new float[sequence + state * (c == null ? 1 : 2)];
    float[] y = emitSequence ? packed : null;
    tr.hPrev = new float[rows * hidden];
    tr.act =
        new float
            [rows * (kind == CellKind.RNN_TANH || kind == CellKind.RNN_RELU ? hidden : 4 * hidden)];
    if (kind.hasCellState()) {
      tr.cPrev = new float[rows * hidden];
      tr.tanhC = new float[rows * hidden];
    }
    float[] recurrent = new float[batch * width];
    PackedMatrix weightHh = k.pack(hidden, width, tr.weightHh, 0, true);
    // the batch entries' recurrences are independent: each thread runs its rows through every
    // step, and the packed product computes each row alike whatever the split
    KernelThreads.rows(
        batch,
        (b0, b1) -> {
          int span = (b1 - b0) * hidden;
          for (int s = 0; s < steps; s++) {
            int t = reverse ? steps - 1 - s : s;
            System.arraycopy(h, b0 * hidden, tr.hPrev, t * state + b0 * hidden, span);
            if (c != null) {
              System.arraycopy(c, b0 * hidden, tr.cPrev, t * state + b0 * hidden, span);
            }
            k.gemm(b1 - b0, h, b0 * hidden, weightHh, recurrent, b0 * width);
            for (int b = b0; b < b1; b++) {
              if (!active(b, t)) {
                continue;
              }
              int row = t * batch + b;
              if (inputBias != null) {
                // here rather than over all steps at once: each thread adds to its own rows
                for (int j = 0, off = row * width; j < width; j++) {
                  projection[off + j] += inputBias[j];
                }
              }
              switch (kind) {
                case RNN_TANH, RNN_RELU -> elmanForward(k, tr, row, b, projection, recurrent, h);
                case LSTM -> lstmForward(k, tr, row, b, projection, recurrent, h, c);
                case GRU -> gruForward(k, tr, row, b, projection, recurrent, hiddenBias, h);
              }
              if (y != null) {
                System.arraycopy(h, b * hidden, y, row * hidden, hidden);
              }
            }
          }
        });
    ctx.put("trace", tr);
    ctx.saveForBackward(in);
    System.arraycopy(h, 0, packed, sequence, state);
    if (c != null) {
      System.arraycopy(c, 0, packed, sequence + state, state);
    }
    return Tensor.of(packed, packed.length);
  }

  private float[] inputBias(Tensor biasIh, Tensor biasHh, int width) {
    if (biasIh == null) {
      return null;
    }
    float[] bias = biasIh.toFloatArray();
    if (kind.foldsHiddenBias()) {
      float[] other = biasHh.toFloatArray();
      for (int j = 0; j < width; j++) {
        bias[j] += other[j];
      }
    }
    return bias;
  }

  private static float[] orZeros(Tensor t, int n) {
    return t == null ? new float[n] : t.toFloatArray();
  }

  // Each step function below updates the state row b of batch entry b at step t (flat row
  // t * B + b of the time-major buffers), for an entry taking part in the step.

  /** {@code h' = act(p + h W_hhᵀ)}; act keeps h_t. */
  private void elmanForward(
      Kernels k, Trace tr, int row, int b, float[] projection, float[] recurrent, float[] h) {
    int hidden = tr.hidden;
    int a = row * hidden;
    for (int j = 0; j < hidden; j++) {
      tr.act[a + j] = projection[a + j] + recurrent[b * hidden + j];
    }
    k.unary(kind == CellKind.RNN_TANH ? UnaryOp.TANH : UnaryOp.RELU, tr.act, a, tr.act, a, hidden);
    System.arraycopy(tr.act, a, h, b * hidden, hidden);
  }

  /** {@code c' = σ(f) c + σ(i) tanh(g)}, {@code h' = σ(o) tanh(c')}; act keeps the four gates. */
  private static void lstmForward(
      Kernels k,
      Trace tr,
      int row,
      int b,
      float[] projection,
      float[] recurrent,
      float[] h,
      float[] c) {
    int hidden = tr.hidden;
    int a = row * 4 * hidden;
    int rec = b * 4 * hidden;
    for (int j = 0; j < 4 * hidden; j++) {
      tr.act[a + j] = projection[a + j] + recurrent[rec + j];
    }
    k.unary(UnaryOp.SIGMOID, tr.act, a, tr.act, a, 2 * hidden);
    k.unary(UnaryOp.TANH, tr.act, a + 2 * hidden, tr.act, a + 2 * hidden, hidden);
    k.unary(UnaryOp.SIGMOID, tr.act, a + 3 * hidden, tr.act, a + 3 * hidden, hidden);
    int s = b * hidden;
    int r = row * hidden;
    for (int j = 0; j < hidden; j++) {
      c[s + j] = tr.act[a + hidden + j] * c[s + j] + tr.act[a + j] * tr.act[a + 2 * hidden + j];
    }
    k.unary(UnaryOp.TANH, c, s, tr.tanhC, r, hidden);
    for (int j = 0; j < hidden; j++) {
      h[s + j] = tr.act[a + 3 * hidden + j] * tr.tanhC[r + j];
    }
  }

  /**
   * {@code r = σ(p_r + q_r)}, {@code z = σ(p_z + q_z)}, {@code n = tanh(p_n + r q_n)}, {@code h' =
   * n + z (h - n)} with {@code q = h W_hhᵀ + b_hh}; act keeps r, z, n and q_n.
   */
  private static void gruForward(
      Kernels k,
      Trace tr,
      int row,
      int b,
      float[] projection,
      float[] recurrent,
      float[] hiddenBias,
      float[] h) {
    int hidden = tr.hidden;
    int p = row * 3 * hidden;
    int rec = b * 3 * hidden;
    int a = row * 4 * hidden;
    for (int j = 0; j < 2 * hidden; j++) {
      tr.act[a + j] = projection[p + j] + (recurrent[rec + j] + hiddenBias[j]);
    }
    k.unary(UnaryOp.SIGMOID, tr.act, a, tr.act, a, 2 * hidden);
    for (int j = 0; j < hidden; j++) {
      float q = recurrent[rec + 2 * hidden + j] + hiddenBias[2 * hidden + j];
      tr.act[a + 3 * hidden + j] = q;
      tr.act[a + 2 * hidden + j] = projection[p + 2 * hidden + j] + tr.act[a + j] * q;
    }
    k.unary(UnaryOp.TANH, tr.act, a + 2 * hidden, tr.act, a + 2 * hidden, hidden);
    int s = b * hidden;
    for (int j = 0; j < hidden; j++) {
      float n = tr.act[a + 2 * hidden + j];
      h[s + j] = n + tr.act[a + hidden + j] * (h[s + j] - n);
    }
  }

  // ---------------------------------------------------------------- fused backward

  @Override
  protected Tensor[] backward(Context ctx, Tensor gradOutput) {
    Tensor[] in = Recurrence.savedInputs(ctx, 7);
    if (Autograd.isGradEnabled()) {
      return Recurrence.composedGradients(ctx, in, this::composed, gradOutput);
    }
    Trace tr = ctx.get("trace");
    Kernels k = KernelProvider.get();
    int steps = tr.steps;
    int batch = tr.batch;
    int hidden = tr.hidden;
    int rows = steps * batch;
    int width = kind.gates * hidden;
    int state = batch * hidden;
    float[] g = gradOutput.toFloatArray();
    int stateOff = emitSequence ? rows * hidden : 0;
    float[] dy = emitSequence ? g : null;
    float[] dh = Arrays.copyOfRange(g, stateOff, stateOff + state);
    float[] dc =
        kind.hasCellState() ? Arrays.copyOfRange(g, stateOff + state, stateOff + 2 * state) : null;
    // gradients of the gate pre-activations, on the input side and on the hidden side
    float[] dInput = new float[rows * width];
    float[] dHidden = kind == CellKind.GRU ? new float[rows * width] : dInput;
    float[] direct = kind == CellKind.GRU ? new float[state] : null;
    float[] dhPrev = new float[state];
    PackedMatrix weightHh = k.pack(width, hidden, tr.weightHh, 0, false);
    KernelThreads.rows(
        batch,
        (b0, b1) -> {
          for (int s = steps - 1; s >= 0; s--) {
            int t = reverse ? steps - 1 - s : s;
            for (int b = b0; b < b1; b++) {
              if (active(b, t)) {
                int row = t * batch + b;
                switch (kind) {
                  case RNN_TANH, RNN_RELU -> elmanBackward(tr, row, b, dh, dy, dInput);
                  case LSTM -> lstmBackward(tr, row, b, dh, dc, dy, dInput);
                  case GRU -> gruBackward(tr, row, b, dh, dy, dInput, dHidden, direct);
                }
              }
            }
            k.gemm(b1 - b0, dHidden, (t * batch + b0) * width, weightHh, dhPrev, b0 * hidden);
            for (int b = b0; b < b1; b++) {
              if (active(b, t)) {
                int s0 = b * hidden;
                for (int j = 0; j < hidden; j++) {
                  dh[s0 + j] = direct == null ? dhPrev[s0 + j] : dhPrev[s0 + j] + direct[s0 + j];
                }
              }
            }
          }
        });
    Tensor[] grads = new Tensor[7];
    if (ctx.needsInputGrad(0)) {
      float[] dx = new float[rows * tr.features];
      k.gemm(rows, tr.features, width, dInput, 0, false, tr.weightIh, 0, false, dx, 0);
      grads[0] = Tensor.of(dx, steps, batch, tr.features);
    }
    if (ctx.needsInputGrad(1)) {
      grads[1] = Tensor.of(dh, batch, hidden);
    }
    if (ctx.needsInputGrad(2)) {
      grads[2] = Tensor.of(dc, batch, hidden);
    }
    if (ctx.needsInputGrad(3)) {
      float[] dw = new float[width * tr.features];
      k.gemm(width, tr.features, rows, dInput, 0, true, tr.x, 0, false, dw, 0);
      grads[3] = Tensor.of(dw, width, tr.features);
    }
    if (ctx.needsInputGrad(4)) {
      float[] dw = new float[width * hidden];
      k.gemm(width, hidden, rows, dHidden, 0, true, tr.hPrev, 0, false, dw, 0);
      grads[4] = Tensor.of(dw, width, hidden);
    }
    if (ctx.needsInputGrad(5)) {
      float[] db = new float[width];
      k.sumAxis(dInput, 1, rows, width, db);
      grads[5] = Tensor.of(db, width);
    }
    if (ctx.needsInputGrad(6)) {
      float[] db = new float[width];
      k.sumAxis(dHidden, 1, rows, width, db);
      grads[6] = Tensor.of(db, width);
    }
    return grads;
  }

  /** The gradient at step t of the state h_t, for entries taking part in it. */
  private static float incoming(float[] dh, float[] dy, int s, int r) {
    return dy == null ? dh[s] : dh[s] + dy[r];
  }

  private void elmanBackward(Trace tr, int row, int b, float[] dh, float[] dy, float[] dPre) {
    int hidden = tr.hidden;
    int r = row * hidden;
    int s = b * hidden;
    boolean tanh = kind == CellKind.RNN_TANH;
    for (int j = 0; j < hidden; j++) {
      float y = tr.act[r + j];
      float d = incoming(dh, dy, s + j, r + j);
      // d tanh = 1 - y², d relu = [y > 0]
      dPre[r + j] = tanh ? d * (1 - y * y) : (y > 0 ? d : 0f);
    }
  }

  private static void lstmBackward(
      Trace tr, int row, int b, float[] dh, float[] dc, float[] dy, float[] dPre) {
    int hidden = tr.hidden;
    int a = row * 4 * hidden;
    int r = row * hidden;
    int s = b * hidden;
    for (int j = 0; j < hidden; j++) {
      float i = tr.act[a + j];
      float f = tr.act[a + hidden + j];
      float g = tr.act[a + 2 * hidden + j];
      float o = tr.act[a + 3 * hidden + j];
      float tc = tr.tanhC[r + j];
      float dhv = incoming(dh, dy, s + j, r + j);
      float dcv = dc[s + j] + dhv * o * (1 - tc * tc);
      dPre[a + j] = dcv * g * (i * (1 - i));
      dPre[a + hidden + j] = dcv * tr.cPrev[r + j] * (f * (1 - f));
      dPre[a + 2 * hidden + j] = dcv * i * (1 - g * g);
      dPre[a + 3 * hidden + j] = dhv * tc * (o * (1 - o));
      dc[s + j] = dcv * f;
    }
  }

  private static void gruBackward(
      Trace tr,
      int row,
      int b,
      float[] dh,
      float[] dy,
      float[] dInput,
      float[] dHidden,
      float[] direct) {
    int hidden = tr.hidden;
    int a = row * 4 * hidden;
    int p = row * 3 * hidden;
    int r = row * hidden;
    int s = b * hidden;
    for (int j = 0; j < hidden; j++) {
      float d = incoming(dh, dy, s + j, r + j);
      float reset = tr.act[a + j];
      float z = tr.act[a + hidden + j];
      float n = tr.act[a + 2 * hidden + j];
      float q = tr.act[a + 3 * hidden + j];
      float dn = d * (1 - z) * (1 - n * n);
      float dz = d * (tr.hPrev[r + j] - n) * (z * (1 - z));
      float dr = dn * q * (reset * (1 - reset));
      dInput[p + j] = dr;
      dInput[p + hidden + j] = dz;
      dInput[p + 2 * hidden + j] = dn;
      dHidden[p + j] = dr;
      dHidden[p + hidden + j] = dz;
      dHidden[p + 2 * hidden + j] = dn * reset;
      direct[s + j] = d * z;
    }
  }
}
