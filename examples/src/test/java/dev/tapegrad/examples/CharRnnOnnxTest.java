package dev.tapegrad.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.tapegrad.autograd.Autograd;
import dev.tapegrad.autograd.Tensor;
import dev.tapegrad.nn.Checkpoint;
import dev.tapegrad.nn.RnnState;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code char-rnn --export-onnx}: the file it writes runs in ONNX Runtime and gives the trained
 * model's logits and states (relative 1e-5) on a batch and length other than the export's.
 */
class CharRnnOnnxTest {
  @TempDir Path dir;

  @Test
  void exportedModelMatchesTheCheckpointInOnnxRuntime() throws Exception {
    Path onnx = dir.resolve("char.onnx");
    ByteArrayOutputStream output = new ByteArrayOutputStream();
    CharRnn train = new CharRnn();
    train.setConsole(new PrintStream(output, true, StandardCharsets.UTF_8));
    int code =
        new CommandLine(train)
            .execute(
                "--steps",
                "3",
                "--seq-len",
                "16",
                "--hidden",
                "12",
                "--embed",
                "6",
                "--layers",
                "2",
                "--sample-every",
                "0",
                "--quiet",
                "--out",
                dir.toString(),
                "--export-onnx",
                onnx.toString());
    assertEquals(0, code, output.toString(StandardCharsets.UTF_8));
    assertTrue(output.toString(StandardCharsets.UTF_8).contains("onnx: " + onnx));

    // the same model, from the checkpoint the run saved
    Map<String, String> meta =
        dev.tapegrad.io.Safetensors.load(train.report().checkpoint()).metadata();
    int vocab = meta.get("vocab").length();
    CharModel model = new CharModel(CharModel.Cell.LSTM, vocab, 6, 12, 2, new Random(0));
    Checkpoint.load(model, train.report().checkpoint());
    model.eval();

    int steps = 7;
    int batch = 3;
    Random random = new Random(1);
    int[][] tokens = new int[steps][batch];
    float[] ids = new float[steps * batch];
    for (int t = 0; t < steps; t++) {
      for (int b = 0; b < batch; b++) {
        tokens[t][b] = random.nextInt(vocab);
        ids[t * batch + b] = tokens[t][b];
      }
    }
    Tensor h0 = Tensor.randn(2, 2, batch, 12);
    Tensor c0 = Tensor.randn(3, 2, batch, 12);
    CharModel.Result expected;
    try (var noGrad = Autograd.noGrad()) {
      expected = model.forward(tokens, RnnState.of(h0, c0));
    }

    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession session =
            env.createSession(Files.readAllBytes(onnx), new OrtSession.SessionOptions());
        OnnxTensor t =
            OnnxTensor.createTensor(env, FloatBuffer.wrap(ids), new long[] {steps, batch});
        OnnxTensor h =
            OnnxTensor.createTensor(
                env, FloatBuffer.wrap(h0.toFloatArray()), new long[] {2, batch, 12});
        OnnxTensor c =
            OnnxTensor.createTensor(
                env, FloatBuffer.wrap(c0.toFloatArray()), new long[] {2, batch, 12});
        OrtSession.Result result = session.run(Map.of("tokens", t, "h0", h, "c0", c))) {
      OnnxTensor logits = (OnnxTensor) result.get("logits").orElseThrow();
      assertArrayEquals(new long[] {steps, batch, vocab}, logits.getInfo().getShape());
      assertClose(expected.logits().toFloatArray(), floats(logits));
      assertClose(
          expected.state().h().toFloatArray(),
          floats((OnnxTensor) result.get("h_n").orElseThrow()));
      assertClose(
          expected.state().c().toFloatArray(),
          floats((OnnxTensor) result.get("c_n").orElseThrow()));
    }
  }

  private static float[] floats(OnnxTensor t) {
    FloatBuffer fb = t.getFloatBuffer();
    float[] out = new float[fb.remaining()];
    fb.get(out);
    return out;
  }

  private static void assertClose(float[] expected, float[] actual) {
    assertEquals(expected.length, actual.length);
    for (int i = 0; i < expected.length; i++) {
      double bound = 1e-5 * Math.abs(expected[i]) + 1e-6; // relative, with a floor near zero
      assertTrue(
          Math.abs(expected[i] - actual[i]) <= bound,
          "element " + i + ": " + expected[i] + " vs " + actual[i]);
    }
  }
}
