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
   * Writes {@code model} to {@code file}, traced on {@code example}, with one input {@code input}
   * whose axis 0 is the dynamic {@code batch} and whose next axes are the dynamic {@code axes}, and
   * one output {@code output}.
   */
  static void export(
      Layer model,
      Tensor example,
      String input,
      String output,
      Path file,
      PrintStream console,
      String... axes) {
    OnnxExport.Builder builder =
        OnnxExport.builder(model).input(input, example).dynamicAxis(input, 0, "batch");
    Object[] dims = new Object[example.dim()];
    dims[0] = "batch";
    for (int i = 1; i < dims.length; i++) {
      dims[i] = i <= axes.length ? axes[i - 1] : example.size(i);
      if (i <= axes.length) {
        builder.dynamicAxis(input, i, axes[i - 1]);
      }
    }
    builder.output(output).build().save(in -> List.of(model.forward(in.tensor(input))), file);
    console.printf(
        "onnx: %s (input %s %s, output %s)%n",
        file, input, java.util.Arrays.toString(dims), output);
  }
}
