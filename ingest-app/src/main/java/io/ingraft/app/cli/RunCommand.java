package io.ingraft.app.cli;

import io.ingraft.app.IngestPipeline;
import io.ingraft.app.config.IngraftConfig;
import io.ingraft.app.writer.WriterStats;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ingraft run}: both stages until SIGTERM or SIGINT, then a graceful stop that commits only
 * published work.
 */
@Command(name = "run", description = "Run the pipeline (both stages) until stopped.",
    mixinStandardHelpOptions = true)
final class RunCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(RunCommand.class);

  @Mixin
  StorageOptions storage;

  @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT",
      description = "Kafka bootstrap servers (default: kafka.bootstrap.servers from --config, or localhost:9092).")
  String bootstrap;

  @Option(names = "--status-interval", paramLabel = "SECONDS", defaultValue = "10",
      description = "How often to log progress (default ${DEFAULT-VALUE}).")
  int statusInterval;

  @Override
  public Integer call() throws InterruptedException {
    Map<String, String> more = new HashMap<>();
    if (bootstrap != null) {
      more.put(IngraftConfig.BOOTSTRAP, bootstrap);
    }
    IngraftConfig config = storage.toConfig(more);
    IngestPipeline pipeline = new IngestPipeline(config);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      LOG.info("stopping: finishing in-flight batches, committing published work");
      pipeline.close();
      stopped.countDown();
    }, "ingraft-shutdown"));
    pipeline.start();
    while (!stopped.await(statusInterval, TimeUnit.SECONDS)) {
      if (!pipeline.isRunning()) {
        LOG.error("a pipeline stage stopped (topology {}); shutting down", pipeline.topologyState());
        pipeline.close();
        return ExitCodes.FAILED;
      }
      WriterStats s = pipeline.stats();
      LOG.info("applied {} rejected {} skipped {} events in {} batches ({} applies); lag {};"
          + " dead letters {}; stopped graphs {}", s.eventsApplied(), s.eventsRejected(),
          s.eventsSkipped(), s.batches(), s.applies(), s.lag(), s.deadLetters(),
          s.stoppedGraphs().size());
      // A stopped graph waits for an operator: say so on every status line, with what to do.
      s.stoppedGraphs().forEach((graph, why) -> LOG.warn("graph {} STOPPED since {}: {} ({});"
          + " {}", graph, why.since(), why.code(), why.message(), why.action()));
    }
    return ExitCodes.OK;
  }
}
