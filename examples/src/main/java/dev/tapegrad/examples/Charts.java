package dev.tapegrad.examples;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
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
  static Path lineChart(
      Path png, String title, String xLabel, String yLabel, boolean logY, List<Series> series) {
    XYChart chart =
        new XYChartBuilder()
            .width(900)
            .height(540)
            .title(title)
            .xAxisTitle(xLabel)
            .yAxisTitle(yLabel)
            .build();
    chart.getStyler().setYAxisLogarithmic(logY);
    chart.getStyler().setMarkerSize(5);
    chart.getStyler().setXAxisDecimalPattern("#0.##");
    for (Series s : series) {
      XYSeries added = chart.addSeries(s.name(), s.x(), s.y());
      if (!s.markers()) {
        added.setMarker(SeriesMarkers.NONE);
      }
    }
    roundNumberTicks(chart, series.get(0));
    return save(chart, png);
  }

  /**
   * When every x value of a chart is equally spaced (steps 1, 2, ..., 900), XChart puts its ticks
   * on data points (1, 36, 71, ...) and the labels run together. One invisible point between the
   * first two x values breaks the spacing, and XChart goes back to round-number ticks (0, 100, 200,
   * ...).
   */
  private static void roundNumberTicks(XYChart chart, Series first) {
    if (first.x().length < 2) {
      return;
    }
    XYSeries hidden =
        chart.addSeries(
            " ", new double[] {(first.x()[0] + first.x()[1]) / 2}, new double[] {first.y()[0]});
    hidden.setMarker(SeriesMarkers.NONE);
    hidden.setLineColor(new Color(0, 0, 0, 0));
    hidden.setShowInLegend(false);
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

  /** Colours of classes 0, 1, ... (matplotlib's tab10). */
  static final Color[] PALETTE = {
    new Color(31, 119, 180), new Color(255, 127, 14), new Color(44, 160, 44),
        new Color(214, 39, 40),
    new Color(148, 103, 189), new Color(140, 86, 75), new Color(227, 119, 194),
        new Color(127, 127, 127)
  };

  /**
   * Writes a map of class regions as a PNG: {@code regions[i * columns + j]} is the class at row
   * {@code i} (from {@code yMax} at the top down to {@code yMin}) and column {@code j} (from {@code
   * xMin}), drawn as an image in light colours, with the labelled points on top.
   */
  static Path regionMap(
      Path png,
      String title,
      int[] regions,
      int columns,
      double[] bounds,
      float[] xy,
      int[] labels) {
    double xMin = bounds[0];
    double xMax = bounds[1];
    double yMin = bounds[2];
    double yMax = bounds[3];
    int rows = regions.length / columns;
    int width = 760;
    int height = 720;
    int left = 70;
    int right = 30;
    int top = 50;
    int bottom = 60;
    int plotW = width - left - right;
    int plotH = height - top - bottom;
    BufferedImage map = new BufferedImage(columns, rows, BufferedImage.TYPE_INT_RGB);
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < columns; j++) {
        map.setRGB(j, i, lighter(PALETTE[regions[i * columns + j] % PALETTE.length]).getRGB());
      }
    }
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setRenderingHint(
        RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, width, height);
    g.setRenderingHint(
        RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_NEAREST_NEIGHBOR);
    g.drawImage(map, left, top, plotW, plotH, null);
    int classes = 0;
    for (int label : labels) {
      classes = Math.max(classes, label + 1);
    }
    for (int k = 0; k < labels.length; k++) {
      int px = left + (int) Math.round((xy[2 * k] - xMin) / (xMax - xMin) * plotW);
      int py = top + (int) Math.round((yMax - xy[2 * k + 1]) / (yMax - yMin) * plotH);
      g.setColor(PALETTE[labels[k] % PALETTE.length].darker());
      g.fillOval(px - 3, py - 3, 7, 7);
      g.setColor(Color.WHITE);
      g.drawOval(px - 3, py - 3, 7, 7);
    }
    g.setColor(Color.DARK_GRAY);
    g.setStroke(new BasicStroke(1f));
    g.drawRect(left, top, plotW, plotH);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
    double tick = niceStep(Math.max(xMax - xMin, yMax - yMin) / 5);
    for (double x = Math.ceil(xMin / tick) * tick; x <= xMax + 1e-9; x += tick) {
      int px = left + (int) Math.round((x - xMin) / (xMax - xMin) * plotW);
      g.drawLine(px, top + plotH, px, top + plotH + 5);
      String label = String.format(Locale.ROOT, "%.1f", x + 0.0);
      g.drawString(label, px - g.getFontMetrics().stringWidth(label) / 2, top + plotH + 20);
    }
    for (double y = Math.ceil(yMin / tick) * tick; y <= yMax + 1e-9; y += tick) {
      int py = top + (int) Math.round((yMax - y) / (yMax - yMin) * plotH);
      g.drawLine(left - 5, py, left, py);
      String label = String.format(Locale.ROOT, "%.1f", y + 0.0);
      g.drawString(label, left - 9 - g.getFontMetrics().stringWidth(label), py + 5);
    }
    g.drawString("x", left + plotW / 2, height - 18);
    g.drawString("y", 18, top + plotH / 2);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
    g.drawString(title, left + (plotW - g.getFontMetrics().stringWidth(title)) / 2, 30);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
    for (int k = 0; k < classes; k++) {
      int y = top + 12 + 20 * k;
      g.setColor(new Color(255, 255, 255, 210));
      g.fillRect(left + plotW - 96, y - 10, 86, 20);
      g.setColor(PALETTE[k % PALETTE.length].darker());
      g.fillOval(left + plotW - 90, y - 4, 9, 9);
      g.setColor(Color.DARK_GRAY);
      g.drawString("class " + k, left + plotW - 74, y + 5);
    }
    g.dispose();
    try {
      if (png.toAbsolutePath().getParent() != null) {
        Files.createDirectories(png.toAbsolutePath().getParent());
      }
      ImageIO.write(image, "png", png.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException("could not write " + png, e);
    }
    return png;
  }

  /** 1, 2 or 5 times a power of ten, near {@code raw}. */
  static double niceStep(double raw) {
    double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
    double n = raw / magnitude;
    return magnitude * (n < 1.5 ? 1 : n < 3 ? 2 : n < 7 ? 5 : 10);
  }

  private static Color lighter(Color c) {
    return new Color(
        (c.getRed() + 2 * 255) / 3, (c.getGreen() + 2 * 255) / 3, (c.getBlue() + 2 * 255) / 3);
  }

  static double[] range(int n) {
    double[] x = new double[n];
    for (int i = 0; i < n; i++) {
      x[i] = i;
    }
    return x;
  }
}
