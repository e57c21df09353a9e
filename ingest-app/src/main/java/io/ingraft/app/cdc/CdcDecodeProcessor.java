package io.ingraft.app.cdc;

import io.ingraft.app.dlq.DeadLetterHeaders;
import io.ingraft.app.topology.RegistryUnavailableException;
import io.ingraft.events.SchemaRegistryException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first CDC step of stage 1: decodes each record of the change topics and the transaction topic
 * ({@link DebeziumDecoder}) and maps row changes to graph operations ({@link RowMapper}), keyed by
 * the CDC source so that the repartition brings a source's items to one task (with {@code
 * ingraft.cdc.single-partition} there is none: every topic has one partition, and task 0 reads them
 * all). A tombstone is skipped and counted (sensor {@code ingraft-cdc tombstones}), never
 * dead-lettered; a record that cannot be used is dead-lettered with its {@link CdcRejection} code,
 * and a {@link CdcItem.Kind#FAILED} item still tells the assembler that its transaction has it.
 */
final class CdcDecodeProcessor implements Processor<byte[], byte[], String, CdcDecoded> {
  private static final Logger LOG = LoggerFactory.getLogger(CdcDecodeProcessor.class);
  static final String STAGE = "topology";

  private final CdcMapping mapping;
  private final DebeziumDecoder decoder;
  private final RowMapper rows;
  private ProcessorContext<String, CdcDecoded> context;
  private Sensor tombstones;
  private Sensor deadLetters;

  CdcDecodeProcessor(CdcMapping mapping, DebeziumDecoder decoder, RowMapper rows) {
    this.mapping = mapping;
    this.decoder = decoder;
    this.rows = rows;
  }

  @Override
  public void init(ProcessorContext<String, CdcDecoded> context) {
    this.context = context;
    this.tombstones =
        context
            .metrics()
            .addRateTotalSensor(
                "ingraft-cdc",
                context.taskId().toString(),
                "tombstones",
                Sensor.RecordingLevel.INFO);
    this.deadLetters =
        context
            .metrics()
            .addRateTotalSensor(
                "ingraft-cdc",
                context.taskId().toString(),
                "dead-letters",
                Sensor.RecordingLevel.INFO);
  }

  @Override
  public void process(Record<byte[], byte[]> record) {
    RecordMetadata source = context.recordMetadata().orElseThrow();
    boolean transactionTopic = source.topic().equals(mapping.transactionTopic());
    if (record.value() == null) {
      tombstones.record();
      if (!transactionTopic) {
        forward(item(CdcItem.Kind.SKIPPED, null, source));
      }
      return;
    }
    DebeziumDecoder.Decoded decoded;
    try {
      decoded = decoder.decode(record.value());
    } catch (ChangeDecodeException e) {
      reject(record, source, e);
      if (!transactionTopic) {
        forward(item(CdcItem.Kind.FAILED, null, source));
      }
      return;
    } catch (SchemaRegistryException e) {
      throw new RegistryUnavailableException(
          source.topic(), source.partition(), source.offset(), e);
    }
    if (decoded instanceof DebeziumDecoder.Marker marker) {
      TransactionMarker m = marker.marker();
      if (m.end()) {
        forward(
            new CdcItem(
                CdcItem.Kind.END,
                m.txId(),
                0,
                true,
                m.lsn(),
                m.tsMs(),
                null,
                null,
                null,
                null,
                null,
                0,
                null,
                null,
                m.perTable(),
                m.eventCount(),
                source.topic(),
                source.partition(),
                source.offset(),
                null));
      }
      return;
    }
    ChangeEvent event = ((DebeziumDecoder.Change) decoded).event();
    try {
      forward(rows.map(event, source.topic(), source.partition(), source.offset()));
    } catch (ChangeDecodeException e) {
      reject(record, source, e);
      String txId =
          event.transaction() != null ? event.transaction().txId() : event.source().txId();
      forward(
          new CdcItem(
              CdcItem.Kind.FAILED,
              txId,
              event.transaction() == null ? 0 : event.transaction().totalOrder(),
              event.transaction() != null,
              event.source().lsn(),
              event.source().tsMs(),
              event.source().snapshot(),
              event.table(),
              null,
              null,
              null,
              0,
              null,
              null,
              null,
              0,
              source.topic(),
              source.partition(),
              source.offset(),
              null));
    }
  }

  private static CdcItem item(CdcItem.Kind kind, String txId, RecordMetadata source) {
    return new CdcItem(
        kind,
        txId,
        0,
        false,
        0,
        0,
        null,
        null,
        null,
        null,
        null,
        0,
        null,
        null,
        null,
        0,
        source.topic(),
        source.partition(),
        source.offset(),
        null);
  }

  private void forward(CdcItem item) {
    context.forward(
        new Record<>(
            mapping.source(),
            (CdcDecoded) new CdcDecoded.Item(item),
            context.currentSystemTimeMs()));
  }

  private void reject(
      Record<byte[], byte[]> record, RecordMetadata source, ChangeDecodeException e) {
    deadLetters.record();
    LOG.debug(
        "dead-lettering {}-{}@{}: {} {}",
        source.topic(),
        source.partition(),
        source.offset(),
        e.code(),
        e.getMessage());
    Headers headers = new RecordHeaders();
    for (Header header : record.headers()) {
      if (!header.key().startsWith("ingraft.")) {
        headers.add(header);
      }
    }
    String graph = mapping.graph();
    for (Header header :
        DeadLetterHeaders.of(
            STAGE,
            e.code().name(),
            e.getMessage(),
            source.topic(),
            source.partition(),
            source.offset(),
            graph,
            null)) {
      headers.add(header);
    }
    context.forward(
        new Record<>(
            mapping.source(),
            (CdcDecoded) new CdcDecoded.Dead(record.key(), record.value()),
            record.timestamp(),
            headers));
  }
}
