package io.ingraft.it.proof;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.ingraft.app.IngestPipeline;
import io.ingraft.app.config.IngraftConfig;
import io.ingraft.app.writer.GraphWriter;
import io.ingraft.engine.GraphEngine;
import io.ingraft.engine.MaintenancePolicy;
import io.ingraft.recovery.Failpoints;
import io.ingraft.storage.object.LocalObjectStore;
import io.ingraft.storage.table.TableStore;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * One Ingraft instance in a child JVM, for the crash suites. The first argument is the mode: {@code
 * writer} runs stage 2 only (a {@link GraphWriter} with the fast timings of {@link
 * ProofRig#fastOptions}), {@code pipeline} runs both stages as {@code ingraft run} does ({@link
 * IngestPipeline}, default timings). The other arguments are {@code key=value} settings, as in a
 * properties file; {@code proof.fence-grace-ms} sets the writer's fence grace and {@value
 * ProofRig#COMPACT_ABOVE} its engine's compaction threshold (writer mode). Failpoints are armed
 * with {@code -Dingraft.failpoints=...}, or while it runs by a line {@code arm <failpoint>
 * <THROW|HALT>} on its standard input (it answers {@code armed <failpoint>}). The child runs until
 * it is killed or halted, or until its standard input ends (the test closed it, or died), when it
 * stops gracefully.
 */
public final class ProofChildMain {
  private ProofChildMain() {}

  public static void main(String[] args) throws Exception {
    String mode = args[0];
    Map<String, String> settings = new HashMap<>();
    for (int i = 1; i < args.length; i++) {
      int eq = args[i].indexOf('=');
      settings.put(args[i].substring(0, eq), args[i].substring(eq + 1));
    }
    Duration fenceGrace =
        Duration.ofMillis(Long.parseLong(settings.getOrDefault("proof.fence-grace-ms", "60000")));
    settings.remove("proof.fence-grace-ms");
    MaintenancePolicy maintenance = ProofRig.maintenance(settings.remove(ProofRig.COMPACT_ABOVE));
    IngraftConfig config = IngraftConfig.fromMap(settings);
    if (mode.equals("pipeline")) {
      try (IngestPipeline pipeline = new IngestPipeline(config)) {
        pipeline.start();
        System.out.println("pipeline started");
        awaitEndOfInput();
      }
      return;
    }
    LocalObjectStore store = new LocalObjectStore(config.storage().localRoot());
    TableStore tables = new TableStore(store);
    GraphEngine engine =
        new GraphEngine(store, tables, config.writer().id(), Clock.systemUTC(), maintenance);
    try (GraphWriter writer =
        new GraphWriter(config, engine, Clock.systemUTC(), ProofRig.fastOptions(fenceGrace))) {
      writer.start();
      System.out.println("writer started");
      awaitEndOfInput();
    } finally {
      engine.close();
      tables.close();
      store.close();
    }
  }

  /** Serves commands on standard input until it ends. */
  private static void awaitEndOfInput() throws IOException {
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, UTF_8));
    for (String line = in.readLine(); line != null; line = in.readLine()) {
      String[] words = line.trim().split(" ");
      if (words.length == 3 && words[0].equals("arm")) {
        Failpoints.arm(words[1], Failpoints.Action.valueOf(words[2]));
        System.out.println("armed " + words[1]);
        System.out.flush();
      }
    }
  }
}
