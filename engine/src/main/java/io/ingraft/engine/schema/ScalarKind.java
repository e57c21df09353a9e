package io.ingraft.engine.schema;

import java.util.Optional;

/**
 * The scalar types of the schema language, each with the name it is written as in a {@code .pg}
 * file. Only {@link #STRING}, {@link #I32} and {@link #I64} can be a node key.
 */
public enum ScalarKind {
  STRING("String"),
  BOOL("Bool"),
  I32("I32"),
  I64("I64"),
  F32("F32"),
  F64("F64"),
  DATE("Date"),
  DATE_TIME("DateTime"),
  BLOB("Blob");

  private final String languageName;

  ScalarKind(String languageName) {
    this.languageName = languageName;
  }

  /** The name as written in the schema language, e.g. {@code DateTime}. */
  public String languageName() {
    return languageName;
  }

  /** Whether a node key may have this type: keys become edge endpoint columns and ids. */
  public boolean canBeKey() {
    return this == STRING || this == I32 || this == I64;
  }

  /** The kind written as {@code name} in the language (case-sensitive), if any. */
  public static Optional<ScalarKind> fromLanguageName(String name) {
    for (ScalarKind kind : values()) {
      if (kind.languageName.equals(name)) {
        return Optional.of(kind);
      }
    }
    return Optional.empty();
  }
}
