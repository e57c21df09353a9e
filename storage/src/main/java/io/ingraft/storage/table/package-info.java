/**
 * The Lance table store: the only package in Ingraft that calls Lance write APIs.
 *
 * <p>{@link io.ingraft.storage.table.TableStore} owns the allocator and hands out three parts that
 * share it: {@link io.ingraft.storage.table.TableReader} reads tables at pinned versions and walks
 * the version history to find a transaction again; {@link io.ingraft.storage.table.TableStager}
 * stages appends, deletes by key, upserts, merges (upserts and deletes in one version), table
 * creations, schema-evolving rewrites and compactions without committing ({@link
 * io.ingraft.storage.table.StagedWrite}); {@link io.ingraft.storage.table.TableCommitter} commits
 * them with a caller-chosen transaction uuid and properties at exactly read version + 1 and
 * restores old versions. {@link io.ingraft.storage.table.ArrowRows} converts between plain Java
 * rows and Arrow batches. Lance's untyped exceptions are mapped to this package's typed ones in one
 * adapter class.
 */
package io.ingraft.storage.table;
