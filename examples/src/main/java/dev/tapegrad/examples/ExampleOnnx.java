package dev.tapegrad.examples;

import dev.tapegrad.autograd.Tensor;
import dev.tapegrad.nn.Layer;
import dev.tapegrad.onnx.OnnxExport;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/** {@code --export-onnx} for the examples whose model is one {@link Layer}. */
final class ExampleOnnx {
  private ExampleOnnx() {}

  /**
   * Writes {@code model} to {@code file}, traced on {@code example}, with one input {@code
   * input} whose axis 0 is the dynamic {@code batch}, and one output {@code output}.
   */
  static void export(Layer model, Tensor example, String input, String output, Path file, PrintStream console) {
    OnnxExport.builder(model)
        .input(input, example)
        .dynamicAxis(input, 0, "batch")
        .output(output)
        .build()
        .save(in -> List.of(model.forward(in.tensor(input))), file);
    int[] shape = example.shape();
    shape[0] = -1;
    console.printf("onnx: %s (input %s %s with a dynamic batch, output %s)%n", file, input,
        java.util.Arrays.toString(shape).replace("-1", "batch"), output);
  }
}
