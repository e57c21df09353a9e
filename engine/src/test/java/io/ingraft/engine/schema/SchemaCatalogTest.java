package io.ingraft.engine.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ingraft.storage.TableKey;
import java.util.List;
import org.apache.arrow.vector.types.DateUnit;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.TimeUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.Test;

class SchemaCatalogTest {
  private static final GraphSchema SCHEMA =
      GraphSchema.parse(
          """
      node T {
        b: Bool
        s: String @key
        i: I32
        l: I64?
        f: F32
        d: F64?
        day: Date
        at: DateTime?
        bytes: Blob
        v: Vector(3)?
        li: [I64]
        le: [enum(x, y)]?
        e: enum(a, b)
      }
      node N { id: I64 @key  name: String? }
      edge E: T -> N @card(0..1) { weight: F64?  since: Date }
      edge Self: N -> N
      """);
  private static final SchemaCatalog CATALOG = new SchemaCatalog(SCHEMA);

  private static Field scalar(String name, boolean nullable, ArrowType type) {
    return new Field(name, new FieldType(nullable, type, null), null);
  }

  private static Field item(ArrowType type) {
    return new Field("item", FieldType.notNullable(type), null);
  }

  @Test
  void nodeTableIsKeyFirstThenPropertiesInDeclarationOrder() {
    Schema actual = CATALOG.nodeSchema(SCHEMA.nodeType("T").orElseThrow());
    ArrowType float32 = new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE);
    Schema expected =
        new Schema(
            List.of(
                scalar("s", false, ArrowType.Utf8.INSTANCE),
                scalar("b", false, ArrowType.Bool.INSTANCE),
                scalar("i", false, new ArrowType.Int(32, true)),
                scalar("l", true, new ArrowType.Int(64, true)),
                scalar("f", false, float32),
                scalar("d", true, new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE)),
                scalar("day", false, new ArrowType.Date(DateUnit.DAY)),
                scalar("at", true, new ArrowType.Timestamp(TimeUnit.MICROSECOND, "UTC")),
                scalar("bytes", false, ArrowType.Binary.INSTANCE),
                new Field(
                    "v",
                    FieldType.nullable(new ArrowType.FixedSizeList(3)),
                    List.of(item(float32))),
                new Field(
                    "li",
                    FieldType.notNullable(ArrowType.List.INSTANCE),
                    List.of(item(new ArrowType.Int(64, true)))),
                new Field(
                    "le",
                    FieldType.nullable(ArrowType.List.INSTANCE),
                    List.of(item(ArrowType.Utf8.INSTANCE))),
                scalar("e", false, ArrowType.Utf8.INSTANCE)));
    assertThat(actual).isEqualTo(expected);
    assertThat(actual.getCustomMetadata()).isEmpty();
  }

  @Test
  void edgeTableIsIdFromToThenProperties() {
    Schema actual = CATALOG.edgeSchema(SCHEMA.edgeType("E").orElseThrow());
    assertThat(actual)
        .isEqualTo(
            new Schema(
                List.of(
                    scalar("id", false, ArrowType.Utf8.INSTANCE),
                    scalar("from", false, ArrowType.Utf8.INSTANCE),
                    scalar("to", false, new ArrowType.Int(64, true)),
                    scalar(
                        "weight", true, new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE)),
                    scalar("since", false, new ArrowType.Date(DateUnit.DAY)))));
    assertThat(CATALOG.edgeSchema(SCHEMA.edgeType("Self").orElseThrow()))
        .isEqualTo(
            new Schema(
                List.of(
                    scalar("id", false, ArrowType.Utf8.INSTANCE),
                    scalar("from", false, new ArrowType.Int(64, true)),
                    scalar("to", false, new ArrowType.Int(64, true)))));
  }

  @Test
  void tablesInDeclarationOrderWithTheirKeys() {
    assertThat(CATALOG.tables().keySet())
        .containsExactly(
            TableKey.of("nodes/T"),
            TableKey.of("nodes/N"),
            TableKey.of("edges/E"),
            TableKey.of("edges/Self"));
    assertThat(CATALOG.arrowSchema(TableKey.of("nodes/N")))
        .contains(CATALOG.nodeSchema(SCHEMA.nodeType("N").orElseThrow()));
    assertThat(CATALOG.arrowSchema(TableKey.of("edges/Self")))
        .contains(CATALOG.edgeSchema(SCHEMA.edgeType("Self").orElseThrow()));
    assertThat(CATALOG.arrowSchema(TableKey.of("nodes/Self"))).isEmpty();
    assertThat(CATALOG.arrowSchema(TableKey.of("edges/Missing"))).isEmpty();
    assertThat(new SchemaCatalog(GraphSchema.empty()).tables()).isEmpty();
  }

  @Test
  void edgeOfAnotherSchemaIsRefused() {
    EdgeType foreign =
        GraphSchema.parse("node Q { k: I32 @key } edge X: Q -> Q").edgeType("X").orElseThrow();
    assertThatThrownBy(() -> CATALOG.edgeSchema(foreign))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no node type Q");
  }

  @Test
  void fieldAndArrowTypeOfSingleTypes() {
    assertThat(SchemaCatalog.arrowType(new PropertyType.EnumOf(List.of("a"))))
        .isEqualTo(ArrowType.Utf8.INSTANCE);
    assertThat(SchemaCatalog.arrowType(new PropertyType.Vector(4)))
        .isEqualTo(new ArrowType.FixedSizeList(4));
    assertThat(SchemaCatalog.field(Property.of("x", PropertyType.BLOB, true)))
        .isEqualTo(scalar("x", true, ArrowType.Binary.INSTANCE));
  }
}
