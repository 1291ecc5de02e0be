package dev.tapegrad.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class CsvTest {
  @TempDir Path dir;

  @Test
  void readsAColumnByNameOrTheFirstWithQuotesAndBlankLines() throws Exception {
    Path file = dir.resolve("data.csv");
    Files.writeString(file, "time,\"value, in volts\"\r\n0,1.5\r\n\r\n1,\"-2e-1\"\r\n2, 3 \r\n");
    assertArrayEquals(new float[] {1.5f, -0.2f, 3f}, Csv.column(file, "value, in volts"));
    assertArrayEquals(new float[] {0f, 1f, 2f}, Csv.column(file, null));
  }

  @Test
  void aMissingColumnOrABadNumberNamesTheFileLineAndColumn() throws Exception {
    Path file = dir.resolve("bad.csv");
    Files.writeString(file, "a,b\n1,2\n3,x\n");
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Csv.column(file, "b"));
    assertTrue(
        e.getMessage().contains("line 3, column 'b': 'x' is not a finite number"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Csv.column(file, "c"));
    assertTrue(e.getMessage().contains("no column 'c' (columns: [a, b])"), e.getMessage());
  }

  @Test
  void theTimeSeriesExampleTrainsOnACsvColumn() throws Exception {
    StringBuilder sb = new StringBuilder("t,level\n");
    for (int t = 0; t < 600; t++) {
      sb.append(t)
          .append(',')
          .append(String.format(Locale.ROOT, "%.5f", Math.sin(2 * Math.PI * t / 25)))
          .append('\n');
    }
    Path file = dir.resolve("wave.csv");
    Files.writeString(file, sb);
    TimeSeries example = new TimeSeries();
    ByteArrayOutputStream output = new ByteArrayOutputStream();
    example.console = new PrintStream(output, true, StandardCharsets.UTF_8);
    int code =
        new CommandLine(example)
            .execute(
                "--csv",
                file.toString(),
                "--column",
                "level",
                "--steps",
                "100",
                "--out",
                dir.toString());
    assertEquals(0, code, output.toString(StandardCharsets.UTF_8));
    assertTrue(output.toString(StandardCharsets.UTF_8).contains("600 values from"));
    assertTrue(
        example.report().gruMse() < example.report().lastValueMse(),
        "GRU " + example.report().gruMse() + " vs " + example.report().lastValueMse());
  }
}
