package dev.tapegrad.optim;

import dev.tapegrad.autograd.Profiler;

/** Counts what an action records on the tape, through the public {@link Profiler}. */
final class Recording {
  private Recording() {}

  /** The number of nodes recorded on the tape by this thread while {@code action} ran. */
  static long nodesRecordedDuring(Runnable action) {
    try (Profiler profiler = Profiler.start()) {
      action.run();
      return profiler.recordedNodes();
    }
  }
}
