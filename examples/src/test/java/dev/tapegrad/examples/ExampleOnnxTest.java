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
 * {@code classifier --export-onnx} and {@code time-series --export-onnx}: ONNX Runtime, running the
 * exported file on the example's own data, gets the accuracy or the error tapegrad reported.
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
            .execute(
                "--points",
                "60",
                "--hidden",
                "32",
                "--epochs",
                "300",
                "--out",
                dir.toString(),
                "--export-onnx",
                onnx.toString());
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
    try (OrtSession session =
            env.createSession(Files.readAllBytes(onnx), new OrtSession.SessionOptions());
        OnnxTensor in =
            OnnxTensor.createTensor(env, FloatBuffer.wrap(xy), new long[] {labels.length, 2});
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
      assertEquals(example.report().allAccuracy(), (double) correct / labels.length, 1e-9);
      assertTrue(correct > labels.length / 2, "trained: " + correct + " of " + labels.length);
    }
  }

  @Test
  void exportedTimeDelayForecasterReproducesTheTestError() throws Exception {
    Path onnx = dir.resolve("tdnn.onnx");
    TimeSeries example = new TimeSeries();
    ByteArrayOutputStream output = new ByteArrayOutputStream();
    example.console = new PrintStream(output, true, StandardCharsets.UTF_8);
    int length = 300;
    int code =
        new CommandLine(example)
            .execute(
                "--length",
                "" + length,
                "--steps",
                "40",
                "--seed",
                "5",
                "--out",
                dir.toString(),
                "--export-onnx",
                onnx.toString());
    assertEquals(0, code, output.toString(StandardCharsets.UTF_8));

    // the example's series and test window (receptive field 9)
    Random random = new Random(5);
    float[] series = new float[length];
    for (int t = 0; t < length; t++) {
      series[t] =
          (float)
              (Math.sin(2 * Math.PI * t / 40)
                  + 0.5 * Math.sin(2 * Math.PI * t / 13 + 1)
                  + 0.1 * random.nextGaussian());
    }
    int from = (int) (length * 0.8);
    int count = length - 1 - from;
    float[] history = java.util.Arrays.copyOfRange(series, from - 9 + 1, length - 1);
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession session =
            env.createSession(Files.readAllBytes(onnx), new OrtSession.SessionOptions());
        OnnxTensor in =
            OnnxTensor.createTensor(
                env, FloatBuffer.wrap(history), new long[] {1, history.length, 1});
        OrtSession.Result result = session.run(Map.of("series", in))) {
      OnnxTensor prediction = (OnnxTensor) result.get("prediction").orElseThrow();
      assertArrayEquals(new long[] {1, count, 1}, prediction.getInfo().getShape());
      FloatBuffer fb = prediction.getFloatBuffer();
      double mse = 0;
      for (int i = 0; i < count; i++) {
        double e = fb.get(i) - series[from + i + 1];
        mse += e * e;
      }
      mse /= count;
      assertEquals(example.report().tdnnMse(), mse, 1e-5 * example.report().tdnnMse());
    }
  }
}
