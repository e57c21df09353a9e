package io.ingraft.app.cdc;

import io.ingraft.app.AppException;

/**
 * A change-topic record stage 1 cannot turn into graph operations: its code, the column or field it
 * is about (empty when the whole record is at fault) and what is wrong. The record goes to the
 * dead-letter topic with the code.
 */
public final class ChangeDecodeException extends AppException {
  private final CdcRejection code;
  private final String field;

  public ChangeDecodeException(CdcRejection code, String field, String message) {
    super(message);
    this.code = code;
    this.field = field == null ? "" : field;
  }

  public ChangeDecodeException(CdcRejection code, String field, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
    this.field = field == null ? "" : field;
  }

  public CdcRejection code() {
    return code;
  }

  public String field() {
    return field;
  }
}
