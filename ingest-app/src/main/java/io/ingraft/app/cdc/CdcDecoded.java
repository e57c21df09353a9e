package io.ingraft.app.cdc;

/**
 * What the CDC decode step made of one record, on its way to the split between the assembler and
 * the dead-letter topic. Only ever in memory.
 */
sealed interface CdcDecoded {
  /** An item for the assembler. */
  record Item(CdcItem item) implements CdcDecoded {}

  /** A refused record: its original key and value (the reason is in the headers). */
  record Dead(byte[] key, byte[] value) implements CdcDecoded {}
}
