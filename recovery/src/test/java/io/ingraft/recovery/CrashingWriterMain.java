package io.ingraft.recovery;

import io.ingraft.storage.manifest.WriterEpoch;
import java.nio.file.Path;

/**
 * The child-JVM side of the crash matrix: opens the graph under {@code args[0]} like a writer
 * process and either applies batch {@code args[2]} as the current owner ({@code args[1]} = {@code
 * apply}) or takes the graph over and sweeps ({@code sweep}). A failpoint armed through {@code
 * -Dingraft.failpoints=<name>=halt} stops it dead in the middle.
 */
public final class CrashingWriterMain {
  private CrashingWriterMain() {}

  public static void main(String[] args) {
    try (TwoTableGraph graph = new TwoTableGraph(Path.of(args[0]))) {
      switch (args[1]) {
        case "apply" -> {
          WriterEpoch owner = graph.log.require().writer();
          graph.applyBatch(owner, Integer.parseInt(args[2]));
        }
        case "sweep" -> graph.sweep.takeOver(graph.log, "child-sweeper");
        default -> throw new IllegalArgumentException(args[1]);
      }
    }
    System.out.println("finished without halting");
  }
}
