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
   * Keys per IN list: long lists cost parse time of their own (docs/storage.md, "Lance 7.0.0
   * facts").
   */
  static final int CHUNK = 1000;

  /**
   * Keys in the one IN list per endpoint column with which a batch reads its edges in a single
   * scan: planning a list of 10,000 costs about 40 ms, far less than the scans a chunked list
   * needs; past it, the staging matches the endpoints in memory instead.
   */
  static final int LONG_LIST = 10_000;

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
    StringBuilder sb = null;
    int n = 0;
    for (Object value : values) {
      if (sb == null) {
        sb = new StringBuilder(column(column)).append(" IN (");
      } else {
        sb.append(", ");
      }
      sb.append(literal(value));
      if (++n == CHUNK) {
        predicates.add(sb.append(')').toString());
        sb = null;
        n = 0;
      }
    }
    if (sb != null) {
      predicates.add(sb.append(')').toString());
    }
    return predicates;
  }
}
