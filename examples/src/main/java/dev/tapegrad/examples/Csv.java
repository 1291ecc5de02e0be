package dev.tapegrad.examples;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * Reads a numeric column of a CSV file with Apache Commons CSV, the way data from files reaches a
 * {@code dev.tapegrad.data.Dataset}: the parsing library stays in the program that reads the file,
 * and the data module never sees a file format.
 *
 * <p>The file is RFC 4180 CSV (quotes, escaped quotes, CRLF or LF) with a header row; blank lines
 * are skipped.
 */
final class Csv {
  private Csv() {}

  /**
   * The values of {@code column} (null for the first one), in file order.
   *
   * @throws IllegalArgumentException naming the file, line and column when the column is missing or
   *     a value is not a finite number
   */
  static float[] column(Path file, String column) throws IOException {
    CSVFormat format =
        CSVFormat.RFC4180
            .builder()
            .setHeader()
            .setSkipHeaderRecord(true)
            .setIgnoreEmptyLines(true)
            .setTrim(true)
            .get();
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8);
        CSVParser parser = CSVParser.parse(reader, format)) {
      var header = parser.getHeaderNames();
      if (header.isEmpty()) {
        throw new IllegalArgumentException(file + ": no header row");
      }
      String name = column == null ? header.get(0) : column;
      if (!header.contains(name)) {
        throw new IllegalArgumentException(
            file + ": no column '" + name + "' (columns: " + header + ")");
      }
      float[] values = new float[64];
      int n = 0;
      for (CSVRecord record : parser) {
        String text = record.isSet(name) ? record.get(name) : "";
        float v;
        try {
          v = Float.parseFloat(text);
        } catch (NumberFormatException e) {
          v = Float.NaN;
        }
        if (!Float.isFinite(v)) {
          throw new IllegalArgumentException(
              file
                  + ": line "
                  + parser.getCurrentLineNumber()
                  + ", column '"
                  + name
                  + "': '"
                  + text
                  + "' is not a finite number");
        }
        if (n == values.length) {
          values = Arrays.copyOf(values, 2 * n);
        }
        values[n++] = v;
      }
      return Arrays.copyOf(values, n);
    }
  }
}
