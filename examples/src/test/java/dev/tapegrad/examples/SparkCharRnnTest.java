package dev.tapegrad.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code spark-char-rnn} on {@code local[2]}, shortened as {@link CharRnnTest} is (400 steps), must
 * pass char-rnn's quality check: beat the unigram baseline by a wide margin and write mostly real
 * words; its checkpoint is a char-rnn checkpoint.
 */
class SparkCharRnnTest {
  @TempDir Path dir;

  @Test
  void learnsToSpellTheCorpusDataParallel() throws Exception {
    ByteArrayOutputStream output = new ByteArrayOutputStream();
    SparkCharRnn train = new SparkCharRnn();
    train.setConsole(new PrintStream(output, true, StandardCharsets.UTF_8));
    int code =
        new CommandLine(train)
            .execute(
                "--master",
                "local[2]",
                "--steps",
                "400",
                "--seq-len",
                "48",
                "--lr",
                "6e-3",
                "--quiet",
                "--out",
                dir.toString());
    String printed = output.toString(StandardCharsets.UTF_8);
    assertEquals(0, code, printed);
    CharRnn.Report report = train.report();
    System.out.printf(
        "spark-char-rnn (400 steps, local[2]): validation %.3f bits/char, unigram %.3f, corpus words %.0f%%%n",
        report.validationBpc(), report.unigramBpc(), 100 * report.vocabularyFraction());
    assertTrue(
        report.validationBpc() < report.unigramBpc() / 2,
        "validation " + report.validationBpc() + " vs unigram " + report.unigramBpc());
    assertTrue(
        report.vocabularyFraction() > 0.6,
        "corpus words in the sample: " + report.vocabularyFraction() + "\n" + report.sample());
    assertTrue(printed.contains("mean step ") && printed.contains("scheduling "), printed);

    ByteArrayOutputStream sampled = new ByteArrayOutputStream();
    CharRnn sample = new CharRnn();
    sample.setConsole(new PrintStream(sampled, true, StandardCharsets.UTF_8));
    assertEquals(
        0,
        new CommandLine(sample)
            .execute("--sample", "100", "--checkpoint", report.checkpoint().toString()));
    assertTrue(sampled.toString(StandardCharsets.UTF_8).strip().startsWith("The "));
    assertTrue(Files.exists(report.checkpoint().resolveSibling("char-rnn.adam.safetensors")));
  }

  @Test
  void theLauncherListsIt() {
    StringWriter out = new StringWriter();
    CommandLine cli = new CommandLine(new Main());
    cli.setOut(new PrintWriter(out));
    assertEquals(0, cli.execute("--help"));
    assertTrue(out.toString().contains("  spark-char-rnn "), out.toString());
  }
}
