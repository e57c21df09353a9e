package io.ingraft.engine.write;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ingraft.storage.table.ArrowRows;
import io.ingraft.storage.table.RowConversionException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Base64;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import org.apache.arrow.dataset.file.FileFormat;
import org.apache.arrow.dataset.file.FileSystemDatasetFactory;
import org.apache.arrow.dataset.jni.NativeMemoryPool;
import org.apache.arrow.dataset.scanner.ScanOptions;
import org.apache.arrow.dataset.scanner.Scanner;
import org.apache.arrow.dataset.source.Dataset;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.ipc.ArrowReader;

/**
 * Reads a Parquet load file (through Arrow Dataset) into the same rows as a JSON-lines load file:
 * one row per node or edge, with columns {@code kind}, {@code type}, {@code key} (nodes), {@code
 * id}, {@code from}, {@code to} (edges), and one column per property; a null cell means the
 * property is absent. Each row is handed on as the equivalent export-format line.
 */
final class ParquetLoadFile {
  private static final Set<String> FIXED = Set.of("kind", "type", "key", "id", "from", "to");
  private static final ObjectMapper JSON = new ObjectMapper();

  private ParquetLoadFile() {}

  /** Calls {@code line} with (row number, export-format line) for every row of the file. */
  static void read(Path path, String uri, BiConsumer<Integer, JsonNode> line) {
    try (BufferAllocator allocator = new RootAllocator();
        FileSystemDatasetFactory factory =
            new FileSystemDatasetFactory(
                allocator,
                NativeMemoryPool.getDefault(),
                FileFormat.PARQUET,
                path.toAbsolutePath().toUri().toString());
        Dataset dataset = factory.finish();
        Scanner scanner = dataset.newScan(new ScanOptions(8192));
        ArrowReader reader = scanner.scanBatches()) {
      int number = 0;
      while (reader.loadNextBatch()) {
        for (Map<String, Object> row : ArrowRows.toMaps(reader.getVectorSchemaRoot())) {
          line.accept(++number, toLine(row));
        }
      }
    } catch (io.ingraft.engine.EventRejectedException e) {
      throw e;
    } catch (RowConversionException e) {
      throw LoadFiles.bad(uri, 0, "unsupported column " + e.field());
    } catch (Exception e) {
      // Never the cause's message: it may quote the file.
      throw LoadFiles.bad(uri, 0, "cannot read Parquet (" + e.getClass().getSimpleName() + ")");
    }
  }

  private static JsonNode toLine(Map<String, Object> row) {
    ObjectNode line = JSON.createObjectNode();
    ObjectNode props = line.putObject("props");
    row.forEach(
        (column, value) -> {
          if (value == null) {
            return;
          }
          Object json = jsonValue(value);
          if (FIXED.contains(column)) {
            line.set(column, JSON.valueToTree(json));
          } else {
            props.set(column, JSON.valueToTree(json));
          }
        });
    return line;
  }

  /** The JSON form the engine's coercion reads (dates and times as ISO text, blobs base64). */
  private static Object jsonValue(Object value) {
    if (value instanceof LocalDate || value instanceof Instant) {
      return value.toString();
    }
    if (value instanceof byte[] bytes) {
      return Base64.getEncoder().encodeToString(bytes);
    }
    if (value instanceof float[] floats) {
      java.util.List<Float> list = new java.util.ArrayList<>(floats.length);
      for (float f : floats) {
        list.add(f);
      }
      return list;
    }
    if (value instanceof java.util.List<?> list) {
      java.util.List<Object> converted = new java.util.ArrayList<>(list.size());
      list.forEach(v -> converted.add(v == null ? null : jsonValue(v)));
      return converted;
    }
    return value;
  }
}
