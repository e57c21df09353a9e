package io.ingraft.app.topology;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.ingraft.app.dlq.DeadLetterHeaders;
import java.util.Map;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler.Response;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler.Result;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.Test;

/**
 * Which failures the processing exception handler dead-letters. In keyed-by-graph mode the sealing
 * step reads straight from a source topic, so the node, not the topic, must decide.
 */
class TopologyExceptionHandlerTest {
  private static final String SOURCE = "t.mutations";

  /** What Kafka Streams tells the handler about a failed record. */
  record Context(
      String topic,
      int partition,
      long offset,
      Headers headers,
      String processorNodeId,
      TaskId taskId,
      long timestamp,
      byte[] sourceRawKey,
      byte[] sourceRawValue)
      implements ErrorHandlerContext {
    static Context at(String topic, String node) {
      return new Context(
          topic,
          2,
          7L,
          new RecordHeaders(),
          node,
          new TaskId(0, 2),
          0L,
          "g1".getBytes(UTF_8),
          "raw".getBytes(UTF_8));
    }
  }

  private final TopologyExceptionHandler handler = new TopologyExceptionHandler();

  TopologyExceptionHandlerTest() {
    handler.configure(
        Map.of(
            IngestTopology.DLQ_TOPIC_CONFIG,
            "t.dlq",
            IngestTopology.SOURCE_TOPICS_CONFIG,
            SOURCE + ",t.loads"));
  }

  @Test
  void deadLettersAFailureBeforeTheSealingStep() {
    Response response =
        handler.handleError(
            Context.at(SOURCE, "decode"),
            new Record<>("g1", "x", 0L),
            new NullPointerException("boom"));

    assertThat(response.result()).isEqualTo(Result.RESUME);
    assertThat(response.deadLetterQueueRecords())
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.topic()).isEqualTo("t.dlq");
              assertThat(r.value()).isEqualTo("raw".getBytes(UTF_8));
              assertThat(DeadLetterHeaders.text(r.headers(), DeadLetterHeaders.CODE))
                  .isEqualTo("PROCESSING_FAILED");
            });
  }

  @Test
  void failsTheThreadOnAFailureInTheSealingStepEvenOnASourceTopic() {
    for (String node : new String[] {IngestTopology.SEAL_NODE, IngestTopology.GRAPH_LOG_NODE}) {
      Response response =
          handler.handleError(
              Context.at(SOURCE, node),
              new Record<>("g1", "x", 0L),
              new IllegalStateException("store broke"));

      assertThat(response.result()).as(node).isEqualTo(Result.FAIL);
      assertThat(response.deadLetterQueueRecords()).as(node).isEmpty();
    }
  }

  @Test
  void failsTheThreadOnAFailureAfterTheRepartition() {
    Response response =
        handler.handleError(
            Context.at("app-by-graph-repartition", IngestTopology.SEAL_NODE),
            new Record<>("g1", "x", 0L),
            new IllegalStateException("store broke"));

    assertThat(response.result()).isEqualTo(Result.FAIL);
  }
}
