package io.ingraft.app.cli;

import io.ingraft.app.config.IngraftConfig;
import io.ingraft.app.connect.BrokerCheck;
import io.ingraft.app.connect.BrokerUnreachableException;
import io.ingraft.app.connect.ConnectionFailure;
import io.ingraft.events.EventDecodeException;
import io.ingraft.events.EventFormat;
import io.ingraft.events.GraphEventCodec;
import io.ingraft.events.avro.GraphEvent;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ingraft produce}: sends a file of JSON events (one per line, docs/events.md) to a topic,
 * keyed by graph id, as JSON or re-encoded as Avro single-object records.
 */
@Command(
    name = "produce",
    description = "Send JSON-lines events to a topic (key = graph id).",
    mixinStandardHelpOptions = true)
final class ProduceCommand implements Callable<Integer> {
  @Mixin ConfigOptions settings;

  @Mixin KafkaOptions kafka;

  @Option(
      names = "--topic",
      description = "Topic (default: ingraft.topic.mutations, ingraft.mutations).")
  String topic;

  @Option(
      names = {"-f", "--file"},
      required = true,
      paramLabel = "FILE",
      description = "JSON lines, one event per line; - for standard input.")
  String file;

  @Option(
      names = "--format",
      defaultValue = "json",
      description = "json or avro (default ${DEFAULT-VALUE}).")
  String format;

  @Option(
      names = "--raw",
      description = "Send each line as-is without checking it (to test the dead-letter topic).")
  boolean raw;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    EventFormat encoding =
        switch (format) {
          case "json" -> EventFormat.JSON;
          case "avro" -> EventFormat.AVRO;
          default ->
              throw new picocli.CommandLine.ParameterException(
                  spec.commandLine(), "--format must be json or avro, was " + format);
        };
    GraphEventCodec codec = new GraphEventCodec();
    IngraftConfig config = settings.toConfig(kafka.settings());
    String target = topic != null ? topic : config.topics().mutations();
    new BrokerCheck(config).check();
    Map<String, Object> props = new HashMap<>();
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    props.put(ProducerConfig.LINGER_MS_CONFIG, 20);
    // A send blocks for metadata at most the connect bound (the default is 60 s).
    props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) config.connectTimeout().toMillis());
    props.putAll(config.kafkaClientProps());
    AtomicReference<Exception> failed = new AtomicReference<>();
    int sent = 0;
    int skipped = 0;
    try (BufferedReader reader = open();
        KafkaProducer<byte[], byte[]> producer =
            new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
      String line;
      int number = 0;
      while ((line = reader.readLine()) != null) {
        number++;
        if (line.isBlank()) {
          continue;
        }
        byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
        byte[] key = null;
        byte[] value = bytes;
        if (!raw) {
          try {
            GraphEvent event = codec.decode(bytes);
            key = event.getGraph().getBytes(StandardCharsets.UTF_8);
            value = encoding == EventFormat.JSON ? bytes : codec.encode(event, encoding);
          } catch (EventDecodeException e) {
            Notices.report(
                spec.commandLine().getErr(), "line " + number + " skipped: " + e.getMessage());
            skipped++;
            continue;
          }
        }
        producer.send(
            new ProducerRecord<>(target, key, value),
            (metadata, e) -> {
              if (e != null) {
                failed.compareAndSet(null, e);
              }
            });
        sent++;
      }
      producer.flush();
    }
    if (failed.get() != null) {
      // Not "produced N": say what went wrong, with the broker and the cause.
      throw new BrokerUnreachableException(
          config.bootstrapServers(),
          ConnectionFailure.of(failed.get()),
          config.connectTimeout(),
          "events were not all sent to " + target,
          failed.get());
    }
    spec.commandLine()
        .getOut()
        .printf(
            "produced %d events to %s (%s)%s%n",
            sent, target, format, skipped > 0 ? ", " + skipped + " invalid lines skipped" : "");
    return skipped > 0 ? ExitCodes.FAILED : ExitCodes.OK;
  }

  private BufferedReader open() throws IOException {
    return file.equals("-")
        ? new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))
        : Files.newBufferedReader(Path.of(file), StandardCharsets.UTF_8);
  }
}
