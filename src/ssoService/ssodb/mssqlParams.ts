/**
 * Statement parameters, each with its declared SQL type: the lengths match the columns
 * (schema/tables.ts), so SQL Server reuses one plan per statement.
 */
import type * as Mssql from 'mssql';
import { NAME_MAX_LENGTH } from '../../protocol/names';
import type { MssqlTypes } from './mssqlDriver';
import type { AuditRecord } from './schema/rowMappers';
import { DESCRIPTION_MAX_LENGTH, IDENTIFIER_DOMAIN, ISO_TIME_MAX_LENGTH, MSID_MAX_LENGTH, SHORT_TEXT_MAX_LENGTH } from './schema/tables';
import type { ImportedVersion, NewApplication } from './store';
import { importedVersionParams } from './historyImport';

export type ParamKind = 'name' | 'pattern' | 'msid' | 'description' | 'isoTime' | 'shortText' | 'longText' | 'int' | 'bigint' | 'bit' | 'blob';

export function sqlType(types: MssqlTypes, kind: ParamKind): Mssql.ISqlType {
  switch (kind) {
    case 'name':
      return types.NVarChar(NAME_MAX_LENGTH);
    case 'pattern':
      // Every character of a name escaped, plus the two '%'.
      return types.NVarChar(NAME_MAX_LENGTH * 2 + 2);
    case 'msid':
      return types.NVarChar(MSID_MAX_LENGTH);
    case 'description':
      return types.NVarChar(DESCRIPTION_MAX_LENGTH);
    case 'isoTime':
      return types.NVarChar(ISO_TIME_MAX_LENGTH);
    case 'shortText':
      return types.NVarChar(SHORT_TEXT_MAX_LENGTH);
    case 'longText':
      return types.NVarChar(types.MAX);
    case 'int':
      return types.Int();
    case 'bigint':
      return types.BigInt();
    case 'bit':
      return types.Bit();
    case 'blob':
      return types.VarBinary(types.MAX);
  }
}

export type Params = Record<string, readonly [ParamKind, unknown]>;

export const keyParams = (app: string, identifier: string): Params => ({
  app: ['name', app],
  domain: ['name', IDENTIFIER_DOMAIN],
  identifier: ['name', identifier],
});

export function applicationParams(app: NewApplication): Params {
  return {
    app: ['name', app.name],
    description: ['description', app.description],
    contact: ['name', app.contact],
    userGroup: ['name', app.userGroup],
    adminGroup: ['name', app.adminGroup],
    flags: ['int', app.flags],
    numFields: ['int', app.fields.length],
    kind: ['shortText', app.kind],
  };
}

export function valueParams(msid: string, ciphertext: Buffer): Params {
  return { msid: ['msid', msid], ciphertext: ['blob', ciphertext], now: ['bigint', Date.now()] };
}

export function auditParams(record: AuditRecord): Params {
  return {
    at: ['isoTime', record.at],
    user: ['name', record.user],
    action: ['shortText', record.action],
    outcome: ['shortText', record.outcome],
    application: ['name', record.application],
    identifier: ['name', record.identifier],
    fields: ['longText', record.fields],
    detail: ['longText', record.detail],
  };
}

/** One kept version brought by an import (history export), as the history insert takes it. */
export function importedHistoryParams(app: string, identifier: string, version: ImportedVersion): Params {
  const p = importedVersionParams(app, identifier, version);
  return {
    app: ['name', p.app], identifier: ['name', p.identifier], version: ['int', p.version], msid: ['msid', p.msid], ciphertext: ['blob', p.ciphertext],
    modifiedAt: ['bigint', p.modifiedAt], savedAt: ['bigint', p.savedAt], savedBy: ['name', p.savedBy], change: ['shortText', p.change], changedFields: ['longText', p.changedFields],
  };
}
