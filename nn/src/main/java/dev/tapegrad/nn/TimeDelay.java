package dev.tapegrad.nn;

import static com.google.common.base.Preconditions.checkArgument;

import dev.tapegrad.autograd.Functional;
import dev.tapegrad.autograd.Tensor;
import dev.tapegrad.autograd.Trace;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * A time-delay layer (TDNN): a valid 1-D convolution over time of a batch-first sequence, each
 * output frame a linear map of {@code context} input frames spaced {@code dilation} apart.
 *
 * <pre>
 *   input [batch, time, in]  →  output [batch, time', out]
 *   time' = time − dilation·(context − 1)
 *   y[b, t] = W · concat(x[b, t], x[b, t + d], ..., x[b, t + d·(context − 1)]) + bias
 * </pre>
 *
 * <p>Weight layout: {@code weight} is {@code [out, context * in]} with frame-major columns: column
 * {@code k * in + f} multiplies feature {@code f} of context frame {@code k}. A PyTorch {@code
 * Conv1d(in, out, context, dilation=d)} weight {@code w} of shape {@code [out, in, context]}
 * converts with {@code w.permute(0, 2, 1).reshape(out, context * in)}; the biases are equal, and
 * the conv applies to the input transposed to {@code [batch, in, time]}. Both parameters start at
 * {@code U(-1/sqrt(in·context), 1/sqrt(in·context))}, Conv1d's default.
 *
 * <p>The layer is composed from {@code narrow}, {@code cat} and one {@code matmul}, so it is
 * differentiable to any order without its own backward. An unbatched {@code [time, in]} input gives
 * a {@code [time', out]} output.
 */
public final class TimeDelay extends Layer {
  private final int inFeatures;
  private final int outFeatures;
  private final int context;
  private final int dilation;
  private final Tensor weight;
  private final Tensor bias;

  /** A time-delay layer with dilation 1. */
  public TimeDelay(int inFeatures, int outFeatures, int context, RandomGenerator random) {
    this(inFeatures, outFeatures, context, 1, random);
  }

  /** A time-delay layer over {@code context} frames spaced {@code dilation} apart. */
  public TimeDelay(
      int inFeatures, int outFeatures, int context, int dilation, RandomGenerator random) {
    checkArgument(
        inFeatures > 0 && outFeatures > 0 && context > 0 && dilation > 0,
        "TimeDelay: in=%s, out=%s, context=%s, dilation=%s must all be positive",
        inFeatures,
        outFeatures,
        context,
        dilation);
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    this.context = context;
    this.dilation = dilation;
    int fanIn = Math.multiplyExact(inFeatures, context);
    double bound = 1 / Math.sqrt(fanIn);
    this.weight =
        registerParameter(
            "weight", Init.uniform(Tensor.zeros(outFeatures, fanIn), -bound, bound, random));
    this.bias =
        registerParameter("bias", Init.uniform(Tensor.zeros(outFeatures), -bound, bound, random));
  }

  /** Applies the layer to {@code [batch, time, in]} (or {@code [time, in]}). */
  @Override
  public Tensor forward(Tensor input) {
    if (Trace.active()) return LayerTrace.timeDelay(this, input);
    int[] shape = input.shape();
    int span = dilation * (context - 1) + 1;
    checkInput(
        (shape.length == 3 || shape.length == 2) && shape[shape.length - 1] == inFeatures,
        "input %s is not [batch, time, in=%s] or [time, in=%s]",
        Arrays.toString(shape),
        inFeatures,
        inFeatures);
    int timeDim = shape.length - 2;
    int time = shape[timeDim];
    checkInput(
        time >= span,
        "input %s has %s frames, fewer than the %s spanned by context=%s, dilation=%s",
        Arrays.toString(shape),
        time,
        span,
        context,
        dilation);
    int outTime = time - span + 1;
    Tensor frames;
    if (context == 1) {
      frames = input;
    } else {
      List<Tensor> taps = new ArrayList<>(context);
      for (int k = 0; k < context; k++) {
        taps.add(input.narrow(timeDim, k * dilation, outTime));
      }
      frames = Tensor.cat(taps, -1);
    }
    Tensor y = Functional.linear(frames.reshape(-1, inFeatures * context), weight, bias);
    int[] outShape = shape.clone();
    outShape[timeDim] = outTime;
    outShape[outShape.length - 1] = outFeatures;
    return y.reshape(outShape);
  }

  /** The weight parameter, {@code [out, context * in]}, frame-major (see the class description). */
  public Tensor weight() {
    return weight;
  }

  /** The bias parameter, {@code [out]}. */
  public Tensor bias() {
    return bias;
  }

  /** The number of frames each output sees. */
  public int context() {
    return context;
  }

  /** The spacing between those frames. */
  public int dilation() {
    return dilation;
  }

  @Override
  protected String extraRepr() {
    return "in="
        + inFeatures
        + ", out="
        + outFeatures
        + ", context="
        + context
        + ", dilation="
        + dilation;
  }
}
