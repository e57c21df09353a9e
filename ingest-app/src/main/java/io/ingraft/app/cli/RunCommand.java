package io.ingraft.app.cli;

import io.ingraft.app.IngestPipeline;
import io.ingraft.app.cdc.CdcTopicPartitionsException;
import io.ingraft.app.cdc.InvalidMappingException;
import io.ingraft.app.config.IngraftConfig;
import io.ingraft.app.connect.BrokerCheck;
import io.ingraft.app.http.StatusServer;
import io.ingraft.app.writer.WriterStats;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import sun.misc.Signal;

/**
 * {@code ingraft run}: both stages until SIGTERM or SIGINT, then a graceful stop that commits only
 * published work and exits 0.
 */
@Command(
    name = "run",
    description = "Run the pipeline (both stages) until stopped.",
    mixinStandardHelpOptions = true)
final class RunCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(RunCommand.class);

  @Spec CommandSpec spec;

  @Mixin StorageOptions storage;

  @Mixin KafkaOptions kafka;

  @Option(
      names = "--cdc-mapping",
      paramLabel = "FILE",
      description =
          "A CDC mapping file: also read the Debezium change topics it names"
              + " (ingraft.cdc.mapping; docs/cdc.md).")
  Path cdcMapping;

  @Option(
      names = "--status-interval",
      paramLabel = "SECONDS",
      defaultValue = "10",
      description = "How often to log progress (default ${DEFAULT-VALUE}).")
  int statusInterval;

  @Override
  public Integer call() throws InterruptedException {
    Map<String, String> more = new HashMap<>(kafka.settings());
    if (cdcMapping != null) {
      more.put(IngraftConfig.CDC_MAPPING, cdcMapping.toString());
    }
    IngraftConfig config = storage.toConfig(more);
    // Within ingraft.connect-timeout-ms: an unreachable broker, a TLS or SASL failure is named
    // now, not after the clients' own minute-long retries.
    new BrokerCheck(config).check();
    IngestPipeline pipeline = new IngestPipeline(config);
    // Before the pipeline: a port in use fails the start before anything joins a group. Until
    // the pipeline runs, the endpoint answers live and not ready.
    IngraftConfig.Monitoring monitoring = config.monitoring();
    StatusServer http;
    try {
      http =
          monitoring.httpEnabled()
              ? StatusServer.start(monitoring.httpHost(), monitoring.httpPort(), pipeline)
              : null;
    } catch (IOException e) {
      LOG.error(
          "cannot serve HTTP on {}:{}: {}; set {} to a free port, or -1 for none",
          monitoring.httpHost(),
          monitoring.httpPort(),
          e.toString(),
          IngraftConfig.HTTP_PORT);
      return ExitCodes.FAILED;
    }
    try {
      return runUntilStopped(pipeline);
    } finally {
      if (http != null) {
        http.close();
      }
    }
  }

  private int runUntilStopped(IngestPipeline pipeline) throws InterruptedException {
    CountDownLatch stopRequested = new CountDownLatch(1);
    // SIGTERM and SIGINT ask for a graceful stop, which this thread runs and then exits 0. The
    // JVM's own handlers would run the shutdown hooks and exit 143 (128 + SIGTERM), which
    // supervisors and orchestrators count as a failure.
    for (String name : List.of("TERM", "INT")) {
      Signal.handle(new Signal(name), signal -> stopRequested.countDown());
    }
    // Any other way the JVM shuts down (SIGHUP, System.exit) still stops gracefully; close() is
    // idempotent, so after the stop below this hook does nothing.
    Runtime.getRuntime().addShutdownHook(new Thread(pipeline::close, "ingraft-shutdown"));
    try {
      pipeline.start();
    } catch (InvalidMappingException | CdcTopicPartitionsException e) {
      Notices.error(spec.commandLine().getErr(), e.getMessage());
      pipeline.close();
      return ExitCodes.BAD_CONFIG;
    }
    while (!stopRequested.await(statusInterval, TimeUnit.SECONDS)) {
      if (!pipeline.isRunning()) {
        LOG.error(
            "a pipeline stage stopped (topology {}); shutting down", pipeline.topologyState());
        pipeline.close();
        return ExitCodes.FAILED;
      }
      WriterStats s = pipeline.stats();
      // Lag from the broker's committed offsets of both stages: stage 1's shows a stalled
      // topology, which the writer's own lag cannot (-1: not measured yet).
      LOG.info(
          "applied {} rejected {} skipped {} events in {} batches ({} applies); lag stage 1"
              + " {}, writer {}; dead letters {}; stopped graphs {}",
          s.eventsApplied(),
          s.eventsRejected(),
          s.eventsSkipped(),
          s.batches(),
          s.applies(),
          pipeline.stageOneLag(),
          pipeline.writerLag(),
          s.deadLetters(),
          s.stoppedGraphs().size());
      // A stopped graph waits for an operator: say so on every status line, with what to do.
      s.stoppedGraphs()
          .forEach(
              (graph, why) ->
                  LOG.warn(
                      "graph {} STOPPED since {}: {} ({});" + " {}",
                      graph,
                      why.since(),
                      why.code(),
                      why.message(),
                      why.action()));
    }
    LOG.info("stopping: finishing in-flight batches, committing published work");
    pipeline.close();
    return ExitCodes.OK;
  }
}
