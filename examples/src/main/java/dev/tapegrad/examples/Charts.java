package dev.tapegrad.examples;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** Small helpers around XChart for the PNG plots the examples write. */
final class Charts {
  private Charts() {}

  /** One line of a chart: a name and its points. */
  record Series(String name, double[] x, double[] y, boolean markers) {
    static Series line(String name, double[] x, double[] y) {
      return new Series(name, x, y, false);
    }

    /** A line through points that are each marked. */
    static Series points(String name, double[] x, double[] y) {
      return new Series(name, x, y, true);
    }
  }

  /** Writes a line chart as PNG, creating parent directories; returns the file. */
  static Path lineChart(Path png, String title, String xLabel, String yLabel, boolean logY, List<Series> series) {
    XYChart chart = new XYChartBuilder().width(900).height(540).title(title).xAxisTitle(xLabel).yAxisTitle(yLabel).build();
    chart.getStyler().setYAxisLogarithmic(logY);
    chart.getStyler().setMarkerSize(5);
    chart.getStyler().setXAxisDecimalPattern("#0.##");
    for (Series s : series) {
      XYSeries added = chart.addSeries(s.name(), s.x(), s.y());
      if (!s.markers()) {
        added.setMarker(SeriesMarkers.NONE);
      }
    }
    return save(chart, png);
  }

  static Path save(XYChart chart, Path png) {
    try {
      if (png.toAbsolutePath().getParent() != null) {
        Files.createDirectories(png.toAbsolutePath().getParent());
      }
      String name = png.toString();
      String base = name.endsWith(".png") ? name.substring(0, name.length() - 4) : name;
      BitmapEncoder.saveBitmap(chart, base, BitmapEncoder.BitmapFormat.PNG);
      return Path.of(base + ".png");
    } catch (IOException e) {
      throw new UncheckedIOException("could not write chart " + png, e);
    }
  }

  static double[] range(int n) {
    double[] x = new double[n];
    for (int i = 0; i < n; i++) {
      x[i] = i;
    }
    return x;
  }
}
