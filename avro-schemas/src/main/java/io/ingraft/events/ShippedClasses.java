package io.ingraft.events;

import io.ingraft.events.avro.CommitNotice;
import io.ingraft.events.avro.EdgeRow;
import io.ingraft.events.avro.GraphEvent;
import io.ingraft.events.avro.GraphLogRecord;
import io.ingraft.events.avro.LoadBody;
import io.ingraft.events.avro.LoadMode;
import io.ingraft.events.avro.LoggedEvent;
import io.ingraft.events.avro.MutationBody;
import io.ingraft.events.avro.Op;
import io.ingraft.events.avro.OpKind;
import io.ingraft.events.avro.SchemaBody;
import io.ingraft.events.avro.Seal;
import io.ingraft.events.avro.SealReason;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;

/**
 * A {@link SpecificData} that resolves the generated classes of this module directly instead of
 * by name. Avro 1.12.2 loads specific classes by name through its ClassSecurityValidator, which
 * by default trusts only a few JDK classes, so the generated {@code getDecoder()} fails with a
 * SecurityException unless every JVM sets {@code -Dorg.apache.avro.SERIALIZABLE_PACKAGES}. The
 * codecs read with this model and need no such flag, and nothing else is trusted.
 */
final class ShippedClasses extends SpecificData {
  private static final List<Class<?>> CLASSES = List.of(
      GraphEvent.class, SchemaBody.class, MutationBody.class, Op.class, OpKind.class,
      LoadBody.class, LoadMode.class, EdgeRow.class, GraphLogRecord.class, LoggedEvent.class,
      Seal.class, SealReason.class, CommitNotice.class);

  private final Map<String, Class<?>> byName = CLASSES.stream()
      .collect(Collectors.toUnmodifiableMap(Class::getName, Function.identity()));

  @Override
  @SuppressWarnings("rawtypes")
  public Class getClass(Schema schema) {
    if (schema.getType() == Schema.Type.RECORD || schema.getType() == Schema.Type.ENUM) {
      Class<?> shipped = byName.get(schema.getFullName());
      if (shipped != null) {
        return shipped;
      }
    }
    return super.getClass(schema);
  }
}
