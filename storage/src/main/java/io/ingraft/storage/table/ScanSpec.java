package io.ingraft.storage.table;

import java.util.List;

/**
 * What a scan reads from one pinned table version.
 *
 * @param filter SQL predicate in Lance/DataFusion syntax ({@code age >= 30 AND name LIKE 'a%'}), or
 *     null for every row
 * @param columns the columns to project, in this order, or null for all columns
 * @param batchSize the maximum number of rows per batch handed to the consumer (>= 1)
 * @param withRowAddress whether to add the {@value #ROW_ADDRESS} column (unsigned 64-bit, {@code
 *     fragmentId << 32 | offset}; read back as {@code Long})
 */
public record ScanSpec(String filter, List<String> columns, int batchSize, boolean withRowAddress) {

  /** The row address column Lance adds when {@link #withRowAddress} is set. */
  public static final String ROW_ADDRESS = "_rowaddr";

  public static final int DEFAULT_BATCH_SIZE = 8192;

  private static final ScanSpec ALL = new ScanSpec(null, null, DEFAULT_BATCH_SIZE, false);

  public ScanSpec {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batchSize must be >= 1: " + batchSize);
    }
    columns = columns == null ? null : List.copyOf(columns);
    if (filter != null && filter.isBlank()) {
      filter = null;
    }
  }

  /** Every row and column, in batches of {@value #DEFAULT_BATCH_SIZE}. */
  public static ScanSpec all() {
    return ALL;
  }

  /** Rows matching {@code sqlFilter}, every column. */
  public static ScanSpec where(String sqlFilter) {
    return ALL.withFilter(sqlFilter);
  }

  public ScanSpec withFilter(String sqlFilter) {
    return new ScanSpec(sqlFilter, columns, batchSize, withRowAddress);
  }

  public ScanSpec withColumns(List<String> projected) {
    return new ScanSpec(filter, projected, batchSize, withRowAddress);
  }

  public ScanSpec withColumns(String... projected) {
    return withColumns(List.of(projected));
  }

  public ScanSpec withBatchSize(int rows) {
    return new ScanSpec(filter, columns, rows, withRowAddress);
  }

  public ScanSpec withRowAddress(boolean enabled) {
    return new ScanSpec(filter, columns, batchSize, enabled);
  }
}
