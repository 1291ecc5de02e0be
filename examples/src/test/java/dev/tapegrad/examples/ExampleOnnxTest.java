package dev.tapegrad.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
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
 * {@code classifier --export-onnx}: ONNX Runtime, running the exported file on the spiral the
 * example trains on, classifies it exactly as tapegrad's trained model did.
 */
class ExampleOnnxTest {
  @TempDir Path dir;

  @Test
  void exportedClassifierReproducesTheTrainingAccuracy() throws Exception {
    Path onnx = dir.resolve("classifier.onnx");
    Classifier example = new Classifier();
    ByteArrayOutputStream output = new ByteArrayOutputStream();
    example.console = new PrintStream(output, true, StandardCharsets.UTF_8);
    int code =
        new CommandLine(example)
            .execute("--points", "60", "--hidden", "32", "--steps", "300", "--out", dir.toString(), "--export-onnx", onnx.toString());
    assertEquals(0, code, output.toString(StandardCharsets.UTF_8));

    // the example's spiral: 3 arms of 60 points, seed 3
    int classes = 3;
    int points = 60;
    Random random = new Random(3);
    float[] xy = new float[classes * points * 2];
    int[] labels = new int[classes * points];
    for (int k = 0; k < classes; k++) {
      for (int i = 0; i < points; i++) {
        double r = (double) i / points;
        double angle = 4.0 * r + 2 * Math.PI * k / classes + random.nextGaussian() * 0.2;
        int row = k * points + i;
        xy[2 * row] = (float) (r * Math.cos(angle));
        xy[2 * row + 1] = (float) (r * Math.sin(angle));
        labels[row] = k;
      }
    }
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession session = env.createSession(Files.readAllBytes(onnx), new OrtSession.SessionOptions());
        OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(xy), new long[] {labels.length, 2});
        OrtSession.Result result = session.run(Map.of("points", in))) {
      OnnxTensor logits = (OnnxTensor) result.get("logits").orElseThrow();
      assertArrayEquals(new long[] {labels.length, classes}, logits.getInfo().getShape());
      FloatBuffer fb = logits.getFloatBuffer();
      int correct = 0;
      for (int row = 0; row < labels.length; row++) {
        int best = 0;
        for (int k = 1; k < classes; k++) {
          best = fb.get(row * classes + k) > fb.get(row * classes + best) ? k : best;
        }
        correct += best == labels[row] ? 1 : 0;
      }
      assertEquals(example.report().accuracy(), (double) correct / labels.length, 1e-9);
      assertTrue(correct > labels.length / 2, "trained: " + correct + " of " + labels.length);
    }
  }
}
