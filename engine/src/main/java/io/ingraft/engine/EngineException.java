package io.ingraft.engine;

import io.ingraft.IngraftException;

/**
 * Base of the engine module's exceptions: schema parsing, value validation, schema evolution and,
 * later, graph operations. Each subtype carries its facts as accessors.
 */
public abstract class EngineException extends IngraftException {
  protected EngineException(String message) {
    super(message);
  }

  protected EngineException(String message, Throwable cause) {
    super(message, cause);
  }
}
