package io.ingraft.events;

import io.ingraft.events.avro.CdcMark;
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
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecordBase;

/**
 * A {@link SpecificData} that resolves the generated classes of this module directly instead of by
 * name. Avro 1.12.2 loads specific classes by name through its ClassSecurityValidator, which by
 * default trusts only a few JDK classes, so the generated {@code getDecoder()} fails with a
 * SecurityException unless every JVM sets {@code -Dorg.apache.avro.SERIALIZABLE_PACKAGES}. The
 * codecs read with this model and need no such flag, and nothing else is trusted.
 */
final class ShippedClasses extends SpecificData {
  private static final List<Class<?>> CLASSES =
      List.of(
          GraphEvent.class,
          SchemaBody.class,
          MutationBody.class,
          Op.class,
          OpKind.class,
          LoadBody.class,
          LoadMode.class,
          EdgeRow.class,
          GraphLogRecord.class,
          LoggedEvent.class,
          CdcMark.class,
          Seal.class,
          SealReason.class,
          CommitNotice.class);

  private final Map<String, Class<?>> byName =
      CLASSES.stream().collect(Collectors.toUnmodifiableMap(Class::getName, Function.identity()));

  /**
   * The records' constructors, called directly: Avro's default creates every decoded record through
   * reflection, which showed up in profiles of the pipeline (each event is several records).
   */
  private static final Map<String, Supplier<SpecificRecordBase>> CONSTRUCTORS =
      Map.ofEntries(
          Map.entry(GraphEvent.class.getName(), GraphEvent::new),
          Map.entry(SchemaBody.class.getName(), SchemaBody::new),
          Map.entry(MutationBody.class.getName(), MutationBody::new),
          Map.entry(Op.class.getName(), Op::new),
          Map.entry(LoadBody.class.getName(), LoadBody::new),
          Map.entry(EdgeRow.class.getName(), EdgeRow::new),
          Map.entry(GraphLogRecord.class.getName(), GraphLogRecord::new),
          Map.entry(LoggedEvent.class.getName(), LoggedEvent::new),
          Map.entry(CdcMark.class.getName(), CdcMark::new),
          Map.entry(Seal.class.getName(), Seal::new),
          Map.entry(CommitNotice.class.getName(), CommitNotice::new));

  @Override
  public Object newRecord(Object old, Schema schema) {
    InstanceSupplier shipped = shippedSupplier(schema);
    return shipped != null ? shipped.newInstance(old, schema) : super.newRecord(old, schema);
  }

  /** The same constructors for Avro's fast reader, which asks for a supplier per record type. */
  @Override
  public InstanceSupplier getNewRecordSupplier(Schema schema) {
    InstanceSupplier shipped = shippedSupplier(schema);
    return shipped != null ? shipped : super.getNewRecordSupplier(schema);
  }

  /** A generated record's constructor, reusing an old instance of the class as Avro does. */
  private InstanceSupplier shippedSupplier(Schema schema) {
    Supplier<SpecificRecordBase> constructor = CONSTRUCTORS.get(schema.getFullName());
    if (constructor == null) {
      return null;
    }
    Class<?> type = byName.get(schema.getFullName());
    return (old, ignored) -> old != null && old.getClass() == type ? old : constructor.get();
  }

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
