package dev.tapegrad.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The main job on a shortened run (400 steps instead of 900): the model must beat the unigram
 * baseline by a wide margin and write mostly real words; its checkpoint must generate again.
 */
class CharRnnTest {
  @TempDir Path dir;

  @Test
  void learnsToSpellTheCorpusAndGeneratesFromItsCheckpoint() throws Exception {
    ByteArrayOutputStream output = new ByteArrayOutputStream();
    CharRnn train = new CharRnn();
    train.setConsole(new PrintStream(output, true, StandardCharsets.UTF_8));
    int code = new CommandLine(train).execute("--steps", "400", "--seq-len", "48", "--lr", "6e-3", "--quiet", "--out", dir.toString());
    assertEquals(0, code, output.toString(StandardCharsets.UTF_8));
    CharRnn.Report report = train.report();
    System.out.printf("char-rnn (400 steps): validation %.3f bits/char, unigram %.3f, corpus words %.0f%%%n",
        report.validationBpc(), report.unigramBpc(), 100 * report.vocabularyFraction());
    assertTrue(report.validationBpc() < report.unigramBpc() / 2, "validation " + report.validationBpc() + " vs unigram " + report.unigramBpc());
    assertTrue(report.vocabularyFraction() > 0.6, "corpus words in the sample: " + report.vocabularyFraction() + "\n" + report.sample());
    assertTrue(Files.size(report.checkpoint()) > 100_000);
    ExamplesSmokeTest.assertPng(report.plot());

    ByteArrayOutputStream sampled = new ByteArrayOutputStream();
    CharRnn sample = new CharRnn();
    sample.setConsole(new PrintStream(sampled, true, StandardCharsets.UTF_8));
    code = new CommandLine(sample).execute("--sample", "200", "--resume", report.checkpoint().toString());
    assertEquals(0, code);
    String text = sampled.toString(StandardCharsets.UTF_8).strip();
    assertTrue(text.startsWith("The ") && text.length() >= 200, text);

    ByteArrayOutputStream resumed = new ByteArrayOutputStream();
    CharRnn more = new CharRnn();
    more.setConsole(new PrintStream(resumed, true, StandardCharsets.UTF_8));
    code = new CommandLine(more).execute("--resume", report.checkpoint().toString(), "--steps", "20", "--lr", "1e-3", "--quiet", "--out", dir.resolve("more").toString());
    assertEquals(0, code, resumed.toString(StandardCharsets.UTF_8));
    assertTrue(resumed.toString(StandardCharsets.UTF_8).contains("resumed Adam's state"));
    assertTrue(more.report().validationBpc() < report.unigramBpc() / 2, "resumed model forgot: " + more.report().validationBpc());
  }

  @Test
  void rejectsACorpusTooShortForTheWindow() throws Exception {
    Path tiny = dir.resolve("tiny.txt");
    Files.writeString(tiny, "hello world");
    CharRnn train = new CharRnn();
    train.setConsole(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    CommandLine cli = new CommandLine(train);
    cli.setErr(new java.io.PrintWriter(new java.io.StringWriter()));
    assertEquals(1, cli.execute("--corpus", tiny.toString(), "--quiet", "--out", dir.toString()));
  }
}
