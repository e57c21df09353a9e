package io.ingraft.app.topology;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stage 1's processing exception handler (set by {@link IngestTopology#streamsProps}). An
 * unexpected failure on a record read from a producer topic dead-letters that record, with its
 * original bytes and the code {@link TopologyRejection#PROCESSING_FAILED}, and processing goes on:
 * one poison record must not stop every graph. A failure in the sealing step (its store, the graph
 * log's sink after it; after the repartition in the default mode, in the source's sub-topology in
 * keyed-by-graph mode) and an unavailable schema registry fail the stream thread instead, because
 * the record is not at fault there and dropping it would lose an event.
 */
public final class TopologyExceptionHandler implements ProcessingExceptionHandler {
  private static final Logger LOG = LoggerFactory.getLogger(TopologyExceptionHandler.class);

  /**
   * Nodes whose failures are never the record's fault. In keyed-by-graph mode they read straight
   * from the source topics, so the topic alone does not tell them apart.
   */
  private static final Set<String> SEALING_NODES =
      Set.of(IngestTopology.SEAL_NODE, IngestTopology.GRAPH_LOG_NODE);

  private String dlqTopic;
  private Set<String> sourceTopics = Set.of();
  private TopologyListener listener = TopologyListener.NONE;

  @Override
  public void configure(Map<String, ?> configs) {
    Object dlq = configs.get(IngestTopology.DLQ_TOPIC_CONFIG);
    Object sources = configs.get(IngestTopology.SOURCE_TOPICS_CONFIG);
    dlqTopic = dlq == null ? null : dlq.toString();
    if (configs.get(IngestTopology.LISTENER_CONFIG) instanceof TopologyListener configured) {
      listener = configured;
    }
    sourceTopics =
        sources == null
            ? Set.of()
            : Arrays.stream(sources.toString().split(","))
                .map(String::trim)
                .filter(s -> !s.isEmpty())
                .collect(Collectors.toUnmodifiableSet());
  }

  @Override
  public Response handleError(
      ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
    if (IngestTopology.causedBy(exception, RegistryUnavailableException.class)) {
      LOG.warn("stage 1 stops this stream thread: {}", exception.getMessage());
      return Response.fail();
    }
    String where =
        context.topic()
            + "-"
            + context.partition()
            + "@"
            + context.offset()
            + " in "
            + context.processorNodeId();
    if (dlqTopic == null
        || context.topic() == null
        || !sourceTopics.contains(context.topic())
        || SEALING_NODES.contains(context.processorNodeId())) {
      LOG.error("stage 1 failed on {}; stopping this stream thread", where, exception);
      return Response.fail();
    }
    LOG.error(
        "stage 1 failed on {}; dead-lettering the record as {}",
        where,
        TopologyRejection.PROCESSING_FAILED,
        exception);
    listener.deadLettered(TopologyRejection.PROCESSING_FAILED.name());
    return Response.resume(
        List.of(
            new ProducerRecord<>(
                dlqTopic,
                null,
                context.sourceRawKey(),
                context.sourceRawValue(),
                DeadLetters.headers(
                    context.headers(),
                    TopologyRejection.PROCESSING_FAILED.name(),
                    exception.toString(),
                    context.topic(),
                    context.partition(),
                    context.offset(),
                    null,
                    null))));
  }
}
