/**
 * The SSODB schema in one import, for the SQLite adapter until its split (branch `perf`) imports
 * the module it needs, as everything else does: tables.ts (the tables as data, column limits),
 * sqliteDdl.ts and mssqlDdl.ts (each dialect's DDL), requestChecks.ts (what both adapters refuse
 * before any SQL runs), rowMappers.ts (rows to records and back), storeErrors.ts (the errors both
 * raise), likePattern.ts (substring filters).
 */
export * from './tables';
export * from './sqliteDdl';
export * from './mssqlDdl';
export * from './requestChecks';
export * from './rowMappers';
export * from './storeErrors';
export * from './likePattern';
