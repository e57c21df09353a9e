package io.ingraft.app.cdc;

import io.ingraft.app.config.IngraftConfig;
import io.ingraft.engine.schema.GraphSchema;
import io.ingraft.events.SchemaRegistry;
import io.ingraft.storage.GraphId;
import io.ingraft.storage.manifest.Manifest;
import io.ingraft.storage.manifest.ManifestLog;
import io.ingraft.storage.object.ObjectStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;

/**
 * Adds the CDC branch to stage 1 when {@code ingraft.cdc.mapping} is set:
 *
 * <pre>
 * change topics (list or pattern) ─┐
 * transaction topic               ─┴─> cdc-decode ─┬─> ingraft.dlq
 *                                                  └─> cdc-by-source (1 partition)
 *                                                        ─> cdc-assemble (stores cdc-items, cdc-state)
 *                                                        ─> ingraft.graph-log
 * </pre>
 *
 * With {@code ingraft.cdc.single-partition} every CDC topic has one partition, task 0 reads them
 * all, and the assembler runs right after the decode step, without the repartition.
 *
 * <p>The assembler writes events and seals straight to the graph log: a graph fed by CDC must not
 * also get events from the producer topics (docs/cdc.md).
 */
public final class CdcTopology {
  /** The repartition that brings all items of a source to one task. */
  public static final String BY_SOURCE = "cdc-by-source";

  private CdcTopology() {}

  /** A loaded, checked mapping with the graph schema stage 1 maps by. */
  public record Source(CdcMapping mapping, GraphSchema schema) {}

  /**
   * Reads and checks the mapping of {@code config}, against the fixed graph's current schema in
   * storage when the graph exists; stage 1 maps by the schema the mapping declares or, when it
   * declares none, by that stored one.
   *
   * @throws InvalidMappingException with every problem
   */
  public static Source load(IngraftConfig config) {
    MappingReader reader;
    try {
      reader = MappingReader.of(config.stageOne().cdcMapping());
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot read the CDC mapping " + config.stageOne().cdcMapping(), e);
    }
    CdcMapping mapping = reader.read();
    Optional<GraphSchema> stored =
        mapping.graph() != null && MappingCheck.isGraphId(mapping.graph())
            ? storedSchema(config, GraphId.of(mapping.graph()))
            : Optional.empty();
    List<MappingProblem> problems = MappingCheck.problems(reader, mapping, stored);
    Optional<GraphSchema> schema =
        mapping.schema() != null ? MappingCheck.declaredSchema(mapping) : stored;
    if (problems.isEmpty() && schema.isEmpty()) {
      problems =
          List.of(
              reader.problem(
                  "stage 1 maps rows by the graph's schema: declare it"
                      + " under schema, or create graph "
                      + mapping.graph()
                      + " first",
                  "schema"));
    }
    if (!problems.isEmpty()) {
      throw new InvalidMappingException(reader.file(), problems);
    }
    return new Source(mapping, schema.get());
  }

  /** The current schema of a graph in the storage of {@code config}, if the graph exists. */
  public static Optional<GraphSchema> storedSchema(IngraftConfig config, GraphId graph) {
    try (ObjectStore store = ObjectStore.open(config.storage())) {
      Optional<Manifest> latest = new ManifestLog(store, graph).latest();
      if (latest.isEmpty() || latest.get().schemaRef().isEmpty()) {
        return Optional.empty();
      }
      return Optional.of(GraphSchema.parse(store.read(latest.get().schemaRef().get().path())));
    }
  }

  /** Adds the CDC branch for {@code source} to {@code builder}. */
  public static void addTo(
      StreamsBuilder builder,
      IngraftConfig config,
      Source source,
      SchemaRegistry registry,
      Supplier<CdcAssembler.EndOffsets> endOffsets) {
    CdcMapping mapping = source.mapping();
    DebeziumDecoder decoder = new DebeziumDecoder(registry);
    RowMapper rows = new RowMapper(mapping, source.schema());
    Consumed<byte[], byte[]> raw = Consumed.with(Serdes.ByteArray(), Serdes.ByteArray());
    KStream<byte[], byte[]> changes =
        mapping.topicPattern() != null
            ? builder.stream(Pattern.compile(mapping.topicPattern()), raw.withName("cdc-topics"))
            : builder.stream(mapping.topics(), raw.withName("cdc-topics"));
    if (mapping.transactionTopic() != null) {
      changes =
          changes.merge(
              builder.stream(
                  mapping.transactionTopic(),
                  Consumed.with(Serdes.ByteArray(), Serdes.ByteArray())
                      .withName("cdc-transactions")),
              Named.as("cdc-merge"));
    }
    KStream<String, CdcDecoded> decoded =
        changes.process(
            () -> new CdcDecodeProcessor(mapping, decoder, rows), Named.as("cdc-decode"));
    Map<String, KStream<String, CdcDecoded>> routes =
        decoded
            .split(Named.as("cdc-route-"))
            .branch((key, value) -> value instanceof CdcDecoded.Dead, Branched.as("dead"))
            .defaultBranch(Branched.as("items"));
    routes
        .get("cdc-route-dead")
        .map(
            (key, value) ->
                org.apache.kafka.streams.KeyValue.pair(
                    ((CdcDecoded.Dead) value).key(), ((CdcDecoded.Dead) value).value()),
            Named.as("cdc-original"))
        .to(
            config.topics().dlq(),
            Produced.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("cdc-dead-letters"));
    KStream<String, CdcItem> items =
        routes
            .get("cdc-route-items")
            .mapValues(value -> ((CdcDecoded.Item) value).item(), Named.as("cdc-item"));
    if (!config.stageOne().cdcSinglePartition()) {
      items =
          items.repartition(
              Repartitioned.with(Serdes.String(), new CdcItem.JsonSerde())
                  .withName(BY_SOURCE)
                  .withNumberOfPartitions(1));
    }
    items
        .process(
            CdcAssembler.supplier(mapping, source.schema(), config.sealing(), endOffsets),
            Named.as("cdc-assemble"))
        .to(
            config.topics().graphLog(),
            Produced.with(Serdes.String(), Serdes.ByteArray()).withName("cdc-graph-log"));
  }

  /** End offsets of the mapping's change topics, asked of the cluster through an Admin. */
  public static Supplier<CdcAssembler.EndOffsets> adminEndOffsets(
      IngraftConfig config, CdcMapping mapping) {
    return () ->
        new CdcAssembler.EndOffsets() {
          private final Admin admin = Admin.create(config.kafkaClientProps());

          @Override
          public Map<String, Long> endOffsets() {
            try {
              Set<String> topics =
                  mapping.topicPattern() == null
                      ? Set.copyOf(mapping.topics())
                      : admin.listTopics().names().get().stream()
                          .filter(Pattern.compile(mapping.topicPattern()).asMatchPredicate())
                          .collect(Collectors.toSet());
              Map<String, TopicDescription> described =
                  admin.describeTopics(topics).allTopicNames().get();
              Map<TopicPartition, OffsetSpec> request = new HashMap<>();
              described
                  .values()
                  .forEach(
                      d ->
                          d.partitions()
                              .forEach(
                                  p ->
                                      request.put(
                                          new TopicPartition(d.name(), p.partition()),
                                          OffsetSpec.latest())));
              Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> offsets =
                  admin.listOffsets(request).all().get();
              Map<String, Long> out = new HashMap<>();
              offsets.forEach(
                  (tp, info) -> out.put(tp.topic() + ":" + tp.partition(), info.offset()));
              return out;
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              throw new IllegalStateException("interrupted asking for end offsets", e);
            } catch (java.util.concurrent.ExecutionException e) {
              throw new IllegalStateException(
                  "cannot ask for the change topics' end offsets: " + e.getCause(), e.getCause());
            }
          }

          @Override
          public void close() {
            admin.close(Duration.ofSeconds(5));
          }
        };
  }
}
