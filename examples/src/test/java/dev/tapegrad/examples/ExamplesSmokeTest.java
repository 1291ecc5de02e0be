package dev.tapegrad.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Runs every example on a reduced configuration and checks what it is meant to show. */
class ExamplesSmokeTest {
  @TempDir Path dir;
  private final ByteArrayOutputStream output = new ByteArrayOutputStream();
  private final PrintStream console = new PrintStream(output, true, StandardCharsets.UTF_8);

  static void assertPng(Path png) throws IOException {
    BufferedImage image = ImageIO.read(png.toFile());
    assertNotNull(image, png + " is not a readable image");
    assertTrue(image.getWidth() > 100 && image.getHeight() > 100, "image too small: " + png);
  }

  private void run(Object command, String... args) {
    int code = new CommandLine(command).execute(args);
    assertEquals(0, code, "exit code; output:\n" + output.toString(StandardCharsets.UTF_8));
  }

  @Test
  void feedforwardCountsExactlyTheFormulasMultiplicationsAndFits() throws IOException {
    Feedforward example = new Feedforward();
    example.console = console;
    run(example, "-m", "12", "-n", "7", "--steps", "1200", "--out", dir.toString());
    Feedforward.Report report = example.report();
    assertEquals(12 + 12 * 7 + 7, report.formula());
    assertEquals(report.formula(), report.countedMultiplications());
    assertTrue(report.finalMse() < 0.01, "mse " + report.finalMse());
    assertPng(report.plot());
  }

  @Test
  void classifierSeparatesTheSpiral() throws IOException {
    Classifier example = new Classifier();
    example.console = console;
    run(example, "--points", "80", "--hidden", "48", "--epochs", "150", "--out", dir.toString());
    Classifier.Report report = example.report();
    assertTrue(report.trainAccuracy() > 0.9, "train accuracy " + report.trainAccuracy());
    assertTrue(report.testAccuracy() > 0.85, "test accuracy " + report.testAccuracy());
    assertTrue(report.bestEpoch() <= report.epochs());
    assertPng(report.plot());
  }

  @Test
  void customOpPassesGradCheckAndTrains() {
    CustomOp example = new CustomOp();
    example.console = console;
    run(example, "--steps", "600");
    assertTrue(example.report().firstOrderPassed(), example.report().report());
    assertTrue(example.report().secondOrderPassed());
    assertTrue(example.report().finalMse() < 0.05, "mse " + example.report().finalMse());
  }

  @Test
  void timeSeriesModelsBeatTheLastValueBaseline() throws IOException {
    TimeSeries example = new TimeSeries();
    example.console = console;
    run(example, "--length", "800", "--steps", "150", "--out", dir.toString());
    TimeSeries.Report report = example.report();
    assertTrue(
        report.tdnnMse() < report.lastValueMse(),
        "TDNN " + report.tdnnMse() + " vs " + report.lastValueMse());
    assertTrue(
        report.gruMse() < report.lastValueMse(),
        "GRU " + report.gruMse() + " vs " + report.lastValueMse());
    assertPng(report.plot());
  }

  @Test
  void elmanGradientsVanishFasterThanGatedOnes() throws IOException {
    VanishingGradients example = new VanishingGradients();
    example.console = console;
    run(example, "--lengths", "5,40", "--hidden", "16", "--steps", "150", "--out", dir.toString());
    VanishingGradients.Report report = example.report();
    double elman = report.decay(VanishingGradients.Kind.ELMAN);
    double lstm = report.decay(VanishingGradients.Kind.LSTM);
    double gru = report.decay(VanishingGradients.Kind.GRU);
    assertTrue(
        elman < lstm / 5 && elman < gru / 5,
        "decay Elman " + elman + ", LSTM " + lstm + ", GRU " + gru);
    assertPng(report.gradientPlot());
    assertPng(report.accuracyPlot());
  }
}
