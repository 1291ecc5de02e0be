package dev.tapegrad.examples;

import dev.tapegrad.autograd.kernel.KernelProvider;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The entry point of {@code ./tapegrad}: one subcommand per example, {@code char-rnn} when none is
 * given.
 */
@Command(
    name = "tapegrad",
    mixinStandardHelpOptions = true,
    version = "tapegrad 0.2.0",
    description = "Runs a tapegrad example. With no example, runs char-rnn.",
    subcommands = {
      CharRnn.class,
      Feedforward.class,
      VanishingGradients.class,
      TimeSeries.class,
      Classifier.class,
      CustomOp.class,
      SparkCharRnn.class
    })
public final class Main implements Runnable {
  @Override
  public void run() {
    new CommandLine(new CharRnn()).execute();
  }

  public static void main(String[] args) {
    // choose the kernels (and log which) before any progress bar is drawn, so the line stands alone
    KernelProvider.get();
    int code = new CommandLine(new Main()).execute(args);
    System.exit(code);
  }
}
