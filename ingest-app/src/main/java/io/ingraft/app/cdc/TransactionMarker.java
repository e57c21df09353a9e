package io.ingraft.app.cdc;

import java.util.Map;

/**
 * A record of Debezium's transaction topic: a BEGIN or an END. Debezium's {@code id} is {@code
 * txId:lsn}, with the LSN of that record, so the transaction is matched by {@code txId} and {@code
 * lsn} here is the END's (the commit's) position. An END says how many change events the
 * transaction has in all and per table ({@code schema.table}).
 */
public record TransactionMarker(
    boolean end, String txId, long lsn, long eventCount, Map<String, Long> perTable, long tsMs) {}
