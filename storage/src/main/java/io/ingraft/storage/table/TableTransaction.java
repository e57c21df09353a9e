package io.ingraft.storage.table;

import java.util.Map;
import java.util.UUID;

/**
 * The Lance transaction that produced one table version, as recorded in the table.
 *
 * @param version the table version this transaction created
 * @param uuid the transaction id; ours are {@link UUID} strings, foreign writers may use any text
 * @param readVersion the version the transaction was built against (0 for the first version)
 * @param operation Lance's operation name: {@code Append}, {@code Delete}, {@code Update}, {@code
 *     Restore}, {@code Overwrite}, {@code Rewrite}, ...
 * @param properties the transaction properties given at commit (empty if none)
 */
public record TableTransaction(
    long version, String uuid, long readVersion, String operation, Map<String, String> properties) {

  public TableTransaction {
    properties = properties == null ? Map.of() : Map.copyOf(properties);
  }

  /** Whether this transaction carries the given id. */
  public boolean hasUuid(UUID transactionId) {
    return transactionId != null && transactionId.toString().equalsIgnoreCase(uuid);
  }
}
