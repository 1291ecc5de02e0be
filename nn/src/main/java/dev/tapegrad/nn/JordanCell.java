package dev.tapegrad.nn;

import static com.google.common.base.Preconditions.checkArgument;

import dev.tapegrad.autograd.Tensor;
import java.util.Arrays;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * A Jordan recurrent cell: like an Elman cell, but the state fed back is the network's previous
 * output, not its hidden layer (Jordan, 1986). The output layer is part of the cell.
 *
 * <pre>
 *   h_t = act(x_t W_ihᵀ + b_ih + y_{t-1} W_yhᵀ + b_hh)     act = tanh (default) or relu
 *   y_t = h_t W_hyᵀ + b_hy                                 linear output
 *
 *   x_t: [B, in]     h_t: [B, H]     y_{t-1}, y_t: [B, out]     y_0 = 0 unless given
 *   weight_ih: [H, in]   weight_yh: [H, out]   bias_ih: [H]   bias_hh: [H]
 *   weight_hy: [out, H]  bias_hy: [out]
 * </pre>
 *
 * <p>Parameters are registered in the order listed. PyTorch has no Jordan cell; the names follow
 * its pattern ({@code weight_<from><to>}), with {@code bias_hh} as the bias of the recurrent path,
 * and the output layer laid out as an {@code nn.Linear(H, out)}. Every parameter starts at {@code
 * U(-1/sqrt(H), 1/sqrt(H))}, drawn in registration order from the generator given to the
 * constructor (see {@code Init} for the seed convention).
 *
 * <p>The output is linear so that any loss can follow (cross-entropy on logits, mean squared
 * error). Each step is one fused tape node (see {@link FusedRecurrence}); backpropagation through
 * time falls out of the tape. Input may also be unbatched, {@code [in]} with output {@code [out]}.
 */
public final class JordanCell extends Block {
  /**
   * One step's result.
   *
   * @param h the hidden layer {@code h_t}, {@code [B, H]}
   * @param y the output {@code y_t}, {@code [B, out]}, which is fed back at the next step
   */
  public record Step(Tensor h, Tensor y) {}

  private final int inputSize;
  private final int hiddenSize;
  private final int outputSize;
  private final RnnCell.Nonlinearity nonlinearity;
  private final boolean bias;

  /** {weight_ih, weight_yh, bias_ih, bias_hh, weight_hy, bias_hy}; biases null without them. */
  private final Tensor[] weights;

  /** A tanh cell with biases. */
  public JordanCell(int inputSize, int hiddenSize, int outputSize, RandomGenerator random) {
    this(inputSize, hiddenSize, outputSize, RnnCell.Nonlinearity.TANH, true, random);
  }

  /** A cell with the given hidden nonlinearity, with or without biases. */
  public JordanCell(
      int inputSize,
      int hiddenSize,
      int outputSize,
      RnnCell.Nonlinearity nonlinearity,
      boolean bias,
      RandomGenerator random) {
    checkArgument(
        inputSize > 0 && hiddenSize > 0 && outputSize > 0,
        "JordanCell: sizes must be positive, got inputSize=%s, hiddenSize=%s, outputSize=%s",
        inputSize,
        hiddenSize,
        outputSize);
    checkArgument(nonlinearity != null, "JordanCell: nonlinearity must not be null");
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    this.outputSize = outputSize;
    this.nonlinearity = nonlinearity;
    this.bias = bias;
    int h = hiddenSize;
    weights = new Tensor[6];
    weights[0] =
        registerParameter("weight_ih", Recurrence.uniformParameter(random, h, h, inputSize));
    weights[1] =
        registerParameter("weight_yh", Recurrence.uniformParameter(random, h, h, outputSize));
    weights[2] =
        bias ? registerParameter("bias_ih", Recurrence.uniformParameter(random, h, h)) : null;
    weights[3] =
        bias ? registerParameter("bias_hh", Recurrence.uniformParameter(random, h, h)) : null;
    weights[4] =
        registerParameter("weight_hy", Recurrence.uniformParameter(random, h, outputSize, h));
    weights[5] =
        bias
            ? registerParameter("bias_hy", Recurrence.uniformParameter(random, h, outputSize))
            : null;
  }

  /** One step with a zero previous output. */
  public Step forward(Tensor input) {
    return forward(input, null);
  }

  /**
   * One step from input {@code [B, in]} (or {@code [in]}) and the previous output {@code [B, out]}
   * (or {@code [out]}; null means zeros).
   *
   * @throws IllegalArgumentException if a shape does not fit, naming the shapes
   */
  public Step forward(Tensor input, Tensor previousOutput) {
    return step(input, previousOutput);
  }

  private Step step(Tensor input, Tensor previousOutput) {
    Tensor x = Recurrence.cellInput("JordanCell", input, inputSize);
    Tensor y =
        Recurrence.cellState("JordanCell", "previousOutput", previousOutput, input, outputSize);
    Step step = fusedStep(x, y);
    return new Step(Recurrence.cellOutput(step.h(), input), Recurrence.cellOutput(step.y(), input));
  }

  /** One step on matrices {@code x [B, in]} and {@code y [B, out]}, as one tape node. */
  private Step fusedStep(Tensor x, Tensor y) {
    int batch = x.size(0);
    Tensor packed =
        new FusedJordanStep(nonlinearity)
            .run(x, y, weights[0], weights[1], weights[2], weights[3], weights[4], weights[5]);
    return new Step(
        packed.narrow(0, 0, batch * hiddenSize).reshape(batch, hiddenSize),
        packed.narrow(0, batch * hiddenSize, batch * outputSize).reshape(batch, outputSize));
  }

  /**
   * Runs the cell over a whole sequence, feeding each output back: inputs {@code [T, B, in]} (or
   * {@code [T, in]}), optional initial output {@code y0} {@code [B, out]} (or {@code [out]}; null
   * means zeros). Returns every step's output, {@code [T, B, out]} (or {@code [T, out]}).
   *
   * <p>Each step is one tape node (see {@link FusedRecurrence}).
   */
  public Tensor forwardSequence(Tensor inputs, Tensor y0) {
    return sequence(inputs, y0);
  }

  private Tensor sequence(Tensor inputs, Tensor y0) {
    int[] shape = inputs.shape();
    if ((shape.length != 2 && shape.length != 3)
        || shape[0] == 0
        || shape[shape.length - 1] != inputSize) {
      throw new IllegalArgumentException(
          String.format(
              "JordanCell: sequence input must be [T, B, %d] or [T, %d] (unbatched) with T > 0, got %s",
              inputSize, inputSize, Arrays.toString(shape)));
    }
    boolean batched = shape.length == 3;
    Tensor x = batched ? inputs : inputs.unsqueeze(1);
    int steps = x.size(0);
    int batch = x.size(1);
    Tensor y = Tensor.zeros(batch, outputSize);
    if (y0 != null) {
      int[] expected = batched ? new int[] {batch, outputSize} : new int[] {outputSize};
      if (!y0.hasShape(expected)) {
        throw new IllegalArgumentException(
            String.format(
                "JordanCell: y0 has shape %s but sequence input %s needs %s",
                Arrays.toString(y0.shape()), Arrays.toString(shape), Arrays.toString(expected)));
      }
      y = batched ? y0 : y0.unsqueeze(0);
    }
    List<Tensor> inputsByStep = Recurrence.unbind(x);
    Tensor[] outputs = new Tensor[steps];
    for (int t = 0; t < steps; t++) {
      y = fusedStep(inputsByStep.get(t), y).y();
      outputs[t] = y;
    }
    Tensor out = Tensor.stack(Arrays.asList(outputs), 0);
    return batched ? out : out.squeeze(1);
  }

  /** The number of input features. */
  public int inputSize() {
    return inputSize;
  }

  /** The size of the hidden layer. */
  public int hiddenSize() {
    return hiddenSize;
  }

  /** The size of the output, which is also the state fed back. */
  public int outputSize() {
    return outputSize;
  }

  /** The hidden layer's nonlinearity. */
  public RnnCell.Nonlinearity nonlinearity() {
    return nonlinearity;
  }

  @Override
  protected String extraRepr() {
    return inputSize
        + ", "
        + hiddenSize
        + ", "
        + outputSize
        + (nonlinearity == RnnCell.Nonlinearity.TANH ? "" : ", nonlinearity=relu")
        + (bias ? "" : ", bias=false");
  }
}
