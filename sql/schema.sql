-- SSODB schema for SQL Server deployments of the SSO service.
-- Generated from src/ssoService/ssodb/schema/mssqlDdl.ts (a unit test keeps this file identical to it).
-- Idempotent: every object is created only when missing, so the script can be run again safely.
-- Run it in the SSO database, e.g. sqlcmd -S <server> -d SSODB -i sql/schema.sql

IF NOT EXISTS (SELECT 1 FROM sys.sequences WHERE object_id = OBJECT_ID(N'dbo.SSOX_RowVersionSeq'))
  CREATE SEQUENCE dbo.SSOX_RowVersionSeq AS BIGINT START WITH 1;
GO

IF OBJECT_ID(N'dbo.SSOX_GlobalInfo', N'U') IS NULL
BEGIN
  CREATE TABLE dbo.SSOX_GlobalInfo (
    gi_id INT NOT NULL,
    gi_SecretServer NVARCHAR(256) COLLATE Latin1_General_100_CI_AS_SC NOT NULL,
    gi_SSOAdminGroup NVARCHAR(256) COLLATE Latin1_General_100_CI_AS_SC NOT NULL,
    gi_CurrentMsid NVARCHAR(64) COLLATE Latin1_General_100_BIN2 NULL,
    gi_PreviousMsid NVARCHAR(64) COLLATE Latin1_General_100_BIN2 NULL,
    gi_SecretCreatedAt NVARCHAR(40) NULL,
    gi_LastBackupAt NVARCHAR(40) NULL,
    gi_LastVerifiedBackupAt NVARCHAR(40) NULL,
    gi_RowVersion BIGINT NOT NULL,
    gi_SwitchingMsids NVARCHAR(256) NULL,
    CONSTRAINT PK_SSOX_GlobalInfo PRIMARY KEY CLUSTERED (gi_id),
    CONSTRAINT CK_SSOX_GlobalInfo_single_row CHECK (gi_id = 1)
  );
END;
GO

IF OBJECT_ID(N'dbo.SSOX_ApplicationInfo', N'U') IS NULL
BEGIN
  CREATE TABLE dbo.SSOX_ApplicationInfo (
    ai_app_name NVARCHAR(256) COLLATE Latin1_General_100_CI_AS_SC NOT NULL,
    ai_description NVARCHAR(1024) NOT NULL,
    ai_contact NVARCHAR(256) COLLATE Latin1_General_100_CI_AS_SC NOT NULL,
    ai_user_group_name NVARCHAR(256) COLLATE Latin1_General_100_CI_AS_SC NOT NULL,
    ai_admin_group_name NVARCHAR(256) COLLATE Latin1_General_100_CI_AS_SC NOT NULL,
    ai_flags INT NOT NULL,
    ai_num_fields INT NOT NULL,
    ai_kind NVARCHAR(256) NOT NULL,
    CONSTRAINT PK_SSOX_ApplicationInfo PRIMARY KEY CLUSTERED (ai_app_name),
    CONSTRAINT CK_SSOX_ApplicationInfo_kind CHECK (ai_kind IN ('adapter', 'configStore', 'affiliate'))
  );
END;
GO

IF OBJECT_ID(N'dbo.SSOX_FieldInfo', N'U') IS NULL
BEGIN
  CREATE TABLE dbo.SSOX_FieldInfo (
    fi_app_name NVARCHAR(256) COLLATE Latin1_General_100_CI_AS_SC NOT NULL,
    fi_ordinal INT NOT NULL,
    fi_label NVARCHAR(256) COLLATE Latin1_General_100_CI_AS_SC NOT NULL,
    fi_flags INT NOT NULL,
    CONSTRAINT PK_SSOX_FieldInfo PRIMARY KEY CLUSTERED (fi_app_name, fi_ordinal),
    CONSTRAINT FK_SSOX_FieldInfo_app FOREIGN KEY (fi_app_name) REFERENCES dbo.SSOX_ApplicationInfo (ai_app_name) ON DELETE CASCADE
  );
END;
GO

IF OBJECT_ID(N'dbo.SSOX_IndividualMapping', N'U') IS NULL
BEGIN
  CREATE TABLE dbo.SSOX_IndividualMapping (
    im_id BIGINT IDENTITY(1, 1) NOT NULL,
    im_app_name NVARCHAR(256) COLLATE Latin1_General_100_CI_AS_SC NOT NULL,
    im_windows_domain_name NVARCHAR(256) COLLATE Latin1_General_100_CI_AS_SC NOT NULL,
    im_windows_user_name NVARCHAR(256) COLLATE Latin1_General_100_CI_AS_SC NOT NULL,
    im_external_user_name NVARCHAR(256) COLLATE Latin1_General_100_CI_AS_SC NOT NULL,
    im_flags INT NOT NULL,
    CONSTRAINT PK_SSOX_IndividualMapping PRIMARY KEY CLUSTERED (im_id),
    CONSTRAINT UQ_SSOX_IndividualMapping_key UNIQUE NONCLUSTERED (im_app_name, im_windows_domain_name, im_windows_user_name),
    CONSTRAINT FK_SSOX_IndividualMapping_app FOREIGN KEY (im_app_name) REFERENCES dbo.SSOX_ApplicationInfo (ai_app_name) ON DELETE CASCADE
  );
END;
GO

IF OBJECT_ID(N'dbo.SSOX_ExternalCredentials', N'U') IS NULL
BEGIN
  CREATE TABLE dbo.SSOX_ExternalCredentials (
    ec_id BIGINT IDENTITY(1, 1) NOT NULL,
    ec_app_name NVARCHAR(256) COLLATE Latin1_General_100_CI_AS_SC NOT NULL,
    ec_windows_domain_name NVARCHAR(256) COLLATE Latin1_General_100_CI_AS_SC NOT NULL,
    ec_windows_user_name NVARCHAR(256) COLLATE Latin1_General_100_CI_AS_SC NOT NULL,
    ec_msid NVARCHAR(64) COLLATE Latin1_General_100_BIN2 NOT NULL,
    ec_credentials VARBINARY(MAX) NOT NULL,
    ec_row_version BIGINT NOT NULL,
    ec_modified_at BIGINT NOT NULL,
    CONSTRAINT PK_SSOX_ExternalCredentials PRIMARY KEY CLUSTERED (ec_id),
    CONSTRAINT UQ_SSOX_ExternalCredentials_key UNIQUE NONCLUSTERED (ec_app_name, ec_windows_domain_name, ec_windows_user_name),
    CONSTRAINT FK_SSOX_ExternalCredentials_mapping FOREIGN KEY (ec_app_name, ec_windows_domain_name, ec_windows_user_name) REFERENCES dbo.SSOX_IndividualMapping (im_app_name, im_windows_domain_name, im_windows_user_name) ON DELETE CASCADE
  );
END;
GO

IF OBJECT_ID(N'dbo.SSOX_AuditTable', N'U') IS NULL
BEGIN
  CREATE TABLE dbo.SSOX_AuditTable (
    au_id BIGINT IDENTITY(1, 1) NOT NULL,
    au_at NVARCHAR(40) NOT NULL,
    au_user NVARCHAR(256) COLLATE Latin1_General_100_CI_AS_SC NOT NULL,
    au_action NVARCHAR(256) NOT NULL,
    au_outcome NVARCHAR(256) NOT NULL,
    au_app_name NVARCHAR(256) COLLATE Latin1_General_100_CI_AS_SC NULL,
    au_identifier NVARCHAR(256) COLLATE Latin1_General_100_CI_AS_SC NULL,
    au_fields NVARCHAR(MAX) NULL,
    au_detail NVARCHAR(MAX) NULL,
    CONSTRAINT PK_SSOX_AuditTable PRIMARY KEY CLUSTERED (au_id),
    CONSTRAINT CK_SSOX_AuditTable_outcome CHECK (au_outcome IN ('ok', 'refused', 'failed'))
  );
END;
GO

IF OBJECT_ID(N'dbo.SSOX_ConfigHistory', N'U') IS NULL
BEGIN
  CREATE TABLE dbo.SSOX_ConfigHistory (
    ch_id BIGINT IDENTITY(1, 1) NOT NULL,
    ch_app_name NVARCHAR(256) COLLATE Latin1_General_100_CI_AS_SC NOT NULL,
    ch_identifier NVARCHAR(256) COLLATE Latin1_General_100_CI_AS_SC NOT NULL,
    ch_version INT NOT NULL,
    ch_msid NVARCHAR(64) COLLATE Latin1_General_100_BIN2 NOT NULL,
    ch_credentials VARBINARY(MAX) NOT NULL,
    ch_modified_at BIGINT NOT NULL,
    ch_saved_at BIGINT NOT NULL,
    ch_saved_by NVARCHAR(256) COLLATE Latin1_General_100_CI_AS_SC NOT NULL,
    ch_change NVARCHAR(256) NOT NULL,
    ch_changed_fields NVARCHAR(MAX) NOT NULL,
    CONSTRAINT PK_SSOX_ConfigHistory PRIMARY KEY CLUSTERED (ch_id),
    CONSTRAINT UQ_SSOX_ConfigHistory_key UNIQUE NONCLUSTERED (ch_app_name, ch_identifier, ch_version),
    CONSTRAINT FK_SSOX_ConfigHistory_app FOREIGN KEY (ch_app_name) REFERENCES dbo.SSOX_ApplicationInfo (ai_app_name) ON DELETE CASCADE,
    CONSTRAINT CK_SSOX_ConfigHistory_change CHECK (ch_change IN ('set', 'delete'))
  );
END;
GO

IF OBJECT_ID(N'dbo.SSOX_ConfigHistoryNumber', N'U') IS NULL
BEGIN
  CREATE TABLE dbo.SSOX_ConfigHistoryNumber (
    hn_app_name NVARCHAR(256) COLLATE Latin1_General_100_CI_AS_SC NOT NULL,
    hn_identifier NVARCHAR(256) COLLATE Latin1_General_100_CI_AS_SC NOT NULL,
    hn_last_version INT NOT NULL,
    CONSTRAINT PK_SSOX_ConfigHistoryNumber PRIMARY KEY CLUSTERED (hn_app_name, hn_identifier),
    CONSTRAINT FK_SSOX_ConfigHistoryNumber_app FOREIGN KEY (hn_app_name) REFERENCES dbo.SSOX_ApplicationInfo (ai_app_name) ON DELETE CASCADE
  );
END;
GO

IF OBJECT_ID(N'dbo.SSOX_MssLease', N'U') IS NULL
BEGIN
  CREATE TABLE dbo.SSOX_MssLease (
    ml_id INT NOT NULL,
    ml_holder NVARCHAR(256) COLLATE Latin1_General_100_CI_AS_SC NULL,
    ml_expires_at BIGINT NOT NULL,
    ml_epoch BIGINT NOT NULL,
    ml_taken_at BIGINT NULL,
    CONSTRAINT PK_SSOX_MssLease PRIMARY KEY CLUSTERED (ml_id),
    CONSTRAINT CK_SSOX_MssLease_single_row CHECK (ml_id = 1)
  );
END;
GO

IF OBJECT_ID(N'dbo.SSOX_MssNodes', N'U') IS NULL
BEGIN
  CREATE TABLE dbo.SSOX_MssNodes (
    mn_name NVARCHAR(256) COLLATE Latin1_General_100_CI_AS_SC NOT NULL,
    mn_role NVARCHAR(256) NOT NULL,
    mn_last_seen BIGINT NOT NULL,
    mn_last_takeover BIGINT NULL,
    CONSTRAINT PK_SSOX_MssNodes PRIMARY KEY CLUSTERED (mn_name)
  );
END;
GO

IF COL_LENGTH(N'dbo.SSOX_GlobalInfo', N'gi_SwitchingMsids') IS NULL
  ALTER TABLE dbo.SSOX_GlobalInfo ADD gi_SwitchingMsids NVARCHAR(256) NULL;
GO

-- rotation: rows not under the current msid, read in key order, in two range seeks (msid < X, msid > X)
IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = N'IX_SSOX_ExternalCredentials_msid' AND object_id = OBJECT_ID(N'dbo.SSOX_ExternalCredentials'))
  CREATE INDEX IX_SSOX_ExternalCredentials_msid ON dbo.SSOX_ExternalCredentials (ec_msid, ec_app_name, ec_windows_domain_name, ec_windows_user_name);
GO

-- rotation: kept versions not under the current msid
IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = N'IX_SSOX_ConfigHistory_msid' AND object_id = OBJECT_ID(N'dbo.SSOX_ConfigHistory'))
  CREATE INDEX IX_SSOX_ConfigHistory_msid ON dbo.SSOX_ConfigHistory (ch_msid, ch_id);
GO

-- history retention: versions older than the age limit go at each save
IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = N'IX_SSOX_ConfigHistory_saved_at' AND object_id = OBJECT_ID(N'dbo.SSOX_ConfigHistory'))
  CREATE INDEX IX_SSOX_ConfigHistory_saved_at ON dbo.SSOX_ConfigHistory (ch_saved_at);
GO

IF NOT EXISTS (SELECT 1 FROM dbo.SSOX_GlobalInfo WHERE gi_id = 1)
  INSERT INTO dbo.SSOX_GlobalInfo (gi_id, gi_SecretServer, gi_SSOAdminGroup, gi_RowVersion) VALUES (1, N'', N'SSO Administrators', 0);
IF NOT EXISTS (SELECT 1 FROM dbo.SSOX_MssLease WHERE ml_id = 1)
  INSERT INTO dbo.SSOX_MssLease (ml_id, ml_holder, ml_expires_at, ml_epoch, ml_taken_at) VALUES (1, NULL, 0, 0, NULL);
GO
