package dev.tapegrad.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tapegrad.autograd.Tensor;
import dev.tapegrad.io.Safetensors;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The main job on a shortened run (400 steps instead of 900): the model must beat the unigram
 * baseline by a wide margin and write mostly real words; its checkpoint must generate again; a run
 * stopped and resumed from its training state must end exactly as one that never stopped.
 */
class CharRnnTest {
  @TempDir Path dir;

  @Test
  void learnsToSpellTheCorpusAndGeneratesFromItsCheckpoint() throws Exception {
    ByteArrayOutputStream output = new ByteArrayOutputStream();
    CharRnn train = new CharRnn();
    train.setConsole(new PrintStream(output, true, StandardCharsets.UTF_8));
    int code =
        new CommandLine(train)
            .execute(
                "--steps",
                "400",
                "--seq-len",
                "48",
                "--lr",
                "6e-3",
                "--quiet",
                "--out",
                dir.toString());
    assertEquals(0, code, output.toString(StandardCharsets.UTF_8));
    CharRnn.Report report = train.report();
    System.out.printf(
        "char-rnn (400 steps): validation %.3f bits/char, unigram %.3f, corpus words %.0f%%%n",
        report.validationBpc(), report.unigramBpc(), 100 * report.vocabularyFraction());
    assertTrue(
        report.validationBpc() < report.unigramBpc() / 2,
        "validation " + report.validationBpc() + " vs unigram " + report.unigramBpc());
    assertTrue(
        report.vocabularyFraction() > 0.6,
        "corpus words in the sample: " + report.vocabularyFraction() + "\n" + report.sample());
    assertTrue(Files.size(report.checkpoint()) > 100_000);
    ExamplesSmokeTest.assertPng(report.plot());

    ByteArrayOutputStream sampled = new ByteArrayOutputStream();
    CharRnn sample = new CharRnn();
    sample.setConsole(new PrintStream(sampled, true, StandardCharsets.UTF_8));
    code =
        new CommandLine(sample)
            .execute("--sample", "200", "--checkpoint", report.checkpoint().toString());
    assertEquals(0, code);
    String text = sampled.toString(StandardCharsets.UTF_8).strip();
    assertTrue(text.startsWith("The ") && text.length() >= 200, text);
  }

  @Test
  void aRunStoppedAndResumedEndsBitForBitAsTheRunThatNeverStopped() throws Exception {
    String[] small = {
      "--hidden",
      "24",
      "--embed",
      "8",
      "--seq-len",
      "16",
      "--batch",
      "8",
      "--steps",
      "40",
      "--save-every",
      "0",
      "--quiet"
    };
    CharRnn straight = run(concat(small, "--out", dir.resolve("straight").toString()));
    CharRnn stopped =
        run(concat(small, "--out", dir.resolve("stopped").toString(), "--stop-at", "15"));
    assertEquals(null, stopped.report(), "a stopped run reports nothing yet");
    Path state = dir.resolve("stopped").resolve("char-rnn.state.safetensors");
    assertEquals(15, (int) Safetensors.load(state).tensors().get("step").get(0));
    // the settings come from the saved state, not from the command line
    CharRnn resumed =
        run("--resume", state.toString(), "--quiet", "--out", dir.resolve("stopped").toString());
    Map<String, Tensor> expected = Safetensors.load(straight.report().checkpoint()).tensors();
    Map<String, Tensor> actual = Safetensors.load(resumed.report().checkpoint()).tensors();
    assertEquals(expected.keySet(), actual.keySet());
    for (String name : expected.keySet()) {
      assertArrayEquals(expected.get(name).toFloatArray(), actual.get(name).toFloatArray(), name);
    }
    assertEquals(straight.report().validationBpc(), resumed.report().validationBpc());
  }

  private CharRnn run(String... args) {
    ByteArrayOutputStream output = new ByteArrayOutputStream();
    CharRnn command = new CharRnn();
    command.setConsole(new PrintStream(output, true, StandardCharsets.UTF_8));
    int code = new CommandLine(command).execute(args);
    assertEquals(0, code, output.toString(StandardCharsets.UTF_8));
    return command;
  }

  private static String[] concat(String[] a, String... b) {
    String[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  @Test
  void rejectsACorpusTooShortForTheWindow() throws Exception {
    Path tiny = dir.resolve("tiny.txt");
    Files.writeString(tiny, "hello world");
    CharRnn train = new CharRnn();
    train.setConsole(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    CommandLine cli = new CommandLine(train);
    cli.setErr(new PrintWriter(new StringWriter()));
    assertEquals(1, cli.execute("--corpus", tiny.toString(), "--quiet", "--out", dir.toString()));
  }
}
