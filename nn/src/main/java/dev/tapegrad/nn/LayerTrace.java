package dev.tapegrad.nn;

import dev.tapegrad.autograd.Tensor;
import dev.tapegrad.autograd.Trace;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How layers that export as one op report themselves to a {@link Trace}: a recurrent layer as one
 * op carrying its cell, configuration and weights (an exporter writes one RNN, LSTM or GRU node per
 * layer and direction from it), an embedding as a gather, a time-delay layer as a 1-D convolution.
 * The ops the layer runs inside are not traced. Internal; called only while tracing.
 */
final class LayerTrace {
  private LayerTrace() {}

  /**
   * Runs a recurrent layer as the traced op {@code "recurrent"}. Inputs: the input, the initial
   * {@code h} and {@code c} (null when absent); outputs: output, {@code h_n}, {@code c_n} (null but
   * for an LSTM). Attributes: {@code cell} (a {@link CellKind} name: RNN_TANH, RNN_RELU, LSTM,
   * GRU), {@code hiddenSize}, {@code numLayers}, {@code bidirectional}, {@code batchFirst}, {@code
   * weights} ({@code Tensor[layer * directions + direction][{w_ih, w_hh, b_ih, b_hh}]}, biases null
   * without them) and {@code lengths} (the caller's array itself, or null).
   */
  static RnnOutput recurrent(
      RecurrentLayer layer,
      CellKind kind,
      Tensor[][] weights,
      Tensor input,
      int[] lengths,
      RnnState initial) {
    Map<String, Object> attributes = new LinkedHashMap<>();
    attributes.put("cell", kind.name());
    attributes.put("hiddenSize", layer.hiddenSize());
    attributes.put("numLayers", layer.numLayers());
    attributes.put("bidirectional", layer.isBidirectional());
    attributes.put("batchFirst", layer.isBatchFirst());
    Tensor[][] copy = new Tensor[weights.length][];
    for (int i = 0; i < weights.length; i++) {
      copy[i] = weights[i].clone();
    }
    attributes.put("weights", copy);
    attributes.put("lengths", lengths);
    Tensor h = initial == null ? null : initial.h();
    Tensor c = initial == null ? null : initial.c();
    return Trace.composite(
        "recurrent",
        attributes,
        Arrays.asList(input, h, c),
        () -> layer.forward(input, lengths, initial),
        out -> Arrays.asList(out.output(), out.hN(), out.cN()));
  }

  /** Runs an embedding lookup as the traced op {@code "embedding"}: inputs indices and weight. */
  static Tensor embedding(Embedding layer, Tensor indices) {
    return Trace.composite(
        "embedding",
        Map.of(),
        List.of(indices, layer.weight()),
        () -> layer.forward(indices),
        out -> List.of(out));
  }

  /**
   * Runs a time-delay layer as the traced op {@code "timeDelay"}: inputs the input, weight and
   * bias; attributes {@code context} and {@code dilation}.
   */
  static Tensor timeDelay(TimeDelay layer, Tensor input) {
    return Trace.composite(
        "timeDelay",
        Map.of("context", layer.context(), "dilation", layer.dilation()),
        List.of(input, layer.weight(), layer.bias()),
        () -> layer.forward(input),
        out -> List.of(out));
  }
}
