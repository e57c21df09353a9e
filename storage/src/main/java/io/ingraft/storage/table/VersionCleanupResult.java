package io.ingraft.storage.table;

/**
 * What removing a table's versions below a floor did (or, in a dry run, would do).
 *
 * @param table the table's path
 * @param floor the oldest version kept; every version below it went
 * @param versionsRemoved how many versions went
 * @param bytesRemoved bytes freed: as Lance counted them (version manifests, transaction, data,
 *     deletion and index files); in a dry run the data files that only removed versions reference
 * @param dataFilesRemoved data files deleted (in a dry run: that would be)
 */
public record VersionCleanupResult(
    String table, long floor, long versionsRemoved, long bytesRemoved, long dataFilesRemoved) {}
