package io.ingraft.engine.write;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Builds Lance (DataFusion) filter predicates from key values. Column names are back-quoted because
 * edge tables have columns named {@code from} and {@code to}, which are SQL keywords; string
 * literals double their single quotes (see {@link #literal} for NUL and astral characters).
 */
public final class SqlLiterals {
  /**
   * Keys per IN list. A long list costs planning time of its own (about 40 ms for 10,000 keys, 0.6
   * s for 100,000: docs/storage.md, "Finding the rows a write replaces"), but every chunk is a scan
   * of the table: lists of 1,000 made a batch deleting 10,000 nodes scan its edge table twenty
   * times.
   */
  static final int CHUNK = 10_000;

  private SqlLiterals() {}

  public static String column(String name) {
    return "`" + name + "`";
  }

  /**
   * A SQL literal of a key or property value. Numbers as they are; strings single-quoted with their
   * single quotes doubled, except that NUL and characters outside the Basic Multilingual Plane are
   * spelled {@code chr(n)} and concatenated: a filter reaches Lance through JNI as modified UTF-8,
   * in which both are encoded in a way Lance refuses as invalid UTF-8.
   */
  public static String literal(Object value) {
    if (value instanceof Number n) {
      return n.toString();
    }
    String text = value.toString();
    if (crossesJniIntact(text)) {
      return quoted(text);
    }
    StringBuilder out = new StringBuilder("(");
    int plainStart = 0;
    int parts = 0;
    for (int i = 0; i < text.length(); ) {
      int codePoint = text.codePointAt(i);
      int next = i + Character.charCount(codePoint);
      if (codePoint == 0
          || Character.isSupplementaryCodePoint(codePoint)
          || Character.isSurrogate(text.charAt(i))) {
        if (i > plainStart) {
          out.append(parts++ > 0 ? " || " : "").append(quoted(text.substring(plainStart, i)));
        }
        out.append(parts++ > 0 ? " || " : "").append("chr(").append(codePoint).append(')');
        plainStart = next;
      }
      i = next;
    }
    if (plainStart < text.length()) {
      out.append(parts > 0 ? " || " : "").append(quoted(text.substring(plainStart)));
    }
    return out.append(')').toString();
  }

  private static String quoted(String text) {
    return "'" + text.replace("'", "''") + "'";
  }

  /** Whether modified UTF-8 encodes {@code text} as plain UTF-8 does. */
  private static boolean crossesJniIntact(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == 0 || Character.isSurrogate(c)) {
        return false;
      }
    }
    return true;
  }

  /** {@code `column` IN (...)}: every value in one list. */
  static String in(String column, Collection<?> values) {
    StringBuilder sb = new StringBuilder(column(column)).append(" IN (");
    boolean first = true;
    for (Object value : values) {
      if (!first) {
        sb.append(", ");
      }
      first = false;
      sb.append(literal(value));
    }
    return sb.append(')').toString();
  }

  /** {@code `column` IN (...)} predicates, one per chunk of at most {@link #CHUNK} values. */
  static List<String> inChunks(String column, Collection<?> values) {
    List<String> predicates = new ArrayList<>();
    List<Object> chunk = new ArrayList<>(Math.min(values.size(), CHUNK));
    for (Object value : values) {
      chunk.add(value);
      if (chunk.size() == CHUNK) {
        predicates.add(in(column, chunk));
        chunk.clear();
      }
    }
    if (!chunk.isEmpty()) {
      predicates.add(in(column, chunk));
    }
    return predicates;
  }
}
