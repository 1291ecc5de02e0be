package dev.tapegrad.examples;

import dev.tapegrad.autograd.Tensor;
import dev.tapegrad.nn.Embedding;
import dev.tapegrad.nn.Linear;
import dev.tapegrad.nn.Lstm;
import dev.tapegrad.nn.RecurrentLayer;
import dev.tapegrad.nn.RnnOutput;
import dev.tapegrad.nn.RnnState;
import dev.tapegrad.onnx.OnnxExport;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Exports a char-rnn model to ONNX for {@code ./tapegrad char-rnn --export-onnx FILE}: the graph
 * reads {@code tokens [seq, batch]} (character ids, as float32), {@code h0} and, for an LSTM,
 * {@code c0} ({@code [layers, batch, hidden]}), and returns {@code logits [seq, batch, vocab]},
 * {@code h_n} and {@code c_n}; seq and batch are dynamic. Sampling one character at a time is a
 * loop around this graph, carrying the state.
 */
final class CharRnnOnnx {
  private CharRnnOnnx() {}

  /** The graph's forward, written with the model's own layers. */
  static List<Tensor> forward(CharModel model, Tensor tokens, Tensor h0, Tensor c0) {
    Embedding embedding = (Embedding) model.children().get("embedding");
    RecurrentLayer rnn = (RecurrentLayer) model.children().get("rnn");
    Linear head = (Linear) model.children().get("head");
    RnnOutput out =
        rnn.forward(embedding.forward(tokens), c0 == null ? RnnState.of(h0) : RnnState.of(h0, c0));
    List<Tensor> result = new ArrayList<>(List.of(head.forward(out.output()), out.hN()));
    if (c0 != null) {
      result.add(out.cN());
    }
    return result;
  }

  /** Writes {@code model} to {@code file} and says so on {@code console}. */
  static void export(CharModel model, Path file, PrintStream console) {
    RecurrentLayer rnn = (RecurrentLayer) model.children().get("rnn");
    boolean lstm = rnn instanceof Lstm;
    int layers = rnn.numLayers();
    int hidden = rnn.hiddenSize();
    float[] ids = new float[4 * 2];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = i % model.vocab();
    }
    OnnxExport.Builder builder =
        OnnxExport.builder(model)
            .graphName("char-rnn")
            .input("tokens", Tensor.of(ids, 4, 2))
            .input("h0", Tensor.zeros(layers, 2, hidden))
            .dynamicAxis("tokens", 0, "seq")
            .dynamicAxis("tokens", 1, "batch")
            .dynamicAxis("h0", 1, "batch");
    if (lstm) {
      builder.input("c0", Tensor.zeros(layers, 2, hidden)).dynamicAxis("c0", 1, "batch");
    }
    builder.output("logits").output("h_n");
    if (lstm) {
      builder.output("c_n");
    }
    builder
        .build()
        .save(
            in ->
                forward(model, in.tensor("tokens"), in.tensor("h0"), lstm ? in.tensor("c0") : null),
            file);
    console.printf(
        "onnx: %s (inputs tokens [seq, batch], h0%s; outputs logits [seq, batch, %d], h_n%s)%n",
        file, lstm ? ", c0" : "", model.vocab(), lstm ? ", c_n" : "");
  }
}
