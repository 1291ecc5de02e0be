package dev.tapegrad.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class MainTest {
  @Test
  void helpListsEveryExampleWithOneLine() {
    StringWriter out = new StringWriter();
    CommandLine cli = new CommandLine(new Main());
    cli.setOut(new PrintWriter(out));
    assertEquals(0, cli.execute("--help"));
    String help = out.toString();
    for (String example :
        new String[] {
          "char-rnn", "feedforward", "vanishing-gradients", "time-series", "classifier", "custom-op"
        }) {
      assertTrue(help.contains("  " + example + " "), example + " missing from:\n" + help);
    }
  }

  @Test
  void everyExampleThatWritesFilesSaysWhereRelativePathsGo() {
    for (String example :
        new String[] {
          "char-rnn", "feedforward", "vanishing-gradients", "time-series", "classifier"
        }) {
      StringWriter out = new StringWriter();
      CommandLine cli = new CommandLine(new Main());
      cli.setOut(new PrintWriter(out));
      assertEquals(0, cli.execute(example, "--help"));
      String help = out.toString().replaceAll("\\s+", " ");
      assertTrue(help.contains("resolved against the working directory"), example + ":\n" + out);
    }
  }

  @Test
  void anUnknownExampleIsAUsageError() {
    CommandLine cli = new CommandLine(new Main());
    cli.setErr(new PrintWriter(new StringWriter()));
    assertEquals(2, cli.execute("no-such-example"));
  }
}
