// STAND-IN of Microsoft.EnterpriseSingleSignOn.Interop (ENTSSO), for tests on Linux/Mono only.
// Same namespace, type and member names and signatures as Microsoft's assembly for the members the
// bridge uses (see docs ENTSSO-BRIDGE.md); behaviour is implemented over a JSON state file
// (env ENTSSO_STANDIN_STATE), re-read on every call. It is never shipped and never placed beside
// entsso-bridge.exe: the bridge loads it from %CommonProgramW6432%\Enterprise Single Sign-On\,
// the same path it loads the real assembly from.
using System;
using System.Collections.Generic;
using System.Reflection;
using System.Runtime.InteropServices;
using EntssoStandin;

[assembly: AssemblyTitle("STAND-IN of Microsoft.EnterpriseSingleSignOn.Interop (tests only)")]
[assembly: AssemblyVersion("10.0.1000.0")]

namespace Microsoft.EnterpriseSingleSignOn.Interop
{
    [ComImport, Guid("55272A00-42CB-11CE-8135-00AA004BB851"), InterfaceType(ComInterfaceType.InterfaceIsIUnknown)]
    public interface IPropertyBag
    {
        void Read(string propName, out object ptrVar, int errorLog);
        void Write(string propName, ref object ptrVar);
    }

    [InterfaceType(ComInterfaceType.InterfaceIsDual), Guid("C177306C-A7A0-49E1-901E-D2BDFCFF4532"), CoClass(typeof(SSOAdmin)), ComImport]
    public interface ISSOAdmin
    {
        void GetGlobalInfo(out int flags, out int auditAppDeleteMax, out int auditMappingDeleteMax, out int auditNtpLookupMax, out int auditXpLookupMax, out int ticketTimeout, out int credCacheTimeout, out string secretServer, out string SSOAdminGroup, out string affiliateAppMgrGroup);
        void UpdateGlobalInfo(int flags, int flagMask, ref int auditAppDeleteMax, ref int auditMappingDeleteMax, ref int auditNtpLookupMax, ref int auditXpLookupMax, ref int ticketTimeout, ref int credCacheTimeout, string secretServer, string SSOAdminGroup, string affiliateAppMgrGroup);
        void CreateApplication(string applicationName, string description, string contactInfo, string userGroupName, string adminGroupName, int flags, int numFields);
        void DeleteApplication(string applicationName);
        void GetApplicationInfo(string applicationName, out string description, out string contactInfo, out string userGroupName, out string adminGroupName, out int flags, out int numFields);
        void UpdateApplication(string applicationName, string description, string contactInfo, string userGroupName, string adminGroupName, int flags, int flagMask);
        void PurgeCacheForApplication(string applicationName);
        void CreateFieldInfo(string applicationName, string label, int flags);
    }

    [InterfaceType(ComInterfaceType.InterfaceIsDual), Guid("3F1A8F6B-6B49-4D1D-8D2A-7C3B8E5A1F10"), CoClass(typeof(SSOMapper)), ComImport]
    public interface ISSOMapper
    {
        object[] GetMappingsForWindowsUser(string windowsDomainName, string windowsUserName, string applicationName);
        object[] GetMappingsForExternalUser(string applicationName, string externalUserName);
        void SetWindowsPassword(string windowsPassword);
        void SetExternalCredentials(string applicationName, string externalUserName, ref string[] externalCredentials);
        void GetApplications(out string[] applications, out string[] descriptions, out string[] contactInfo);
        void GetFieldInfo(string applicationName, out string[] labels, out int[] flags);
    }

    [InterfaceType(ComInterfaceType.InterfaceIsDual), Guid("2D56DCAB-FA6C-435b-835A-B135177DE8B0"), CoClass(typeof(SSOMapper)), ComImport]
    public interface ISSOMapper2
    {
        object[] GetMappingsForWindowsUser(string windowsDomainName, string windowsUserName, string applicationName);
        object[] GetMappingsForExternalUser(string applicationName, string externalUserName);
        void SetWindowsPassword(string windowsPassword);
        void SetExternalCredentials(string applicationName, string externalUserName, ref string[] externalCredentials);
        void GetApplications(out string[] applications, out string[] descriptions, out string[] contactInfo);
        void GetFieldInfo(string applicationName, out string[] labels, out int[] flags);
        void GetApplications2(out string[] applications, out string[] descriptions, out string[] contactInfo, out string[] userAccounts, out string[] adminAccounts, out int[] flags);
    }

    [InterfaceType(ComInterfaceType.InterfaceIsDual), Guid("CB6B05A8-B806-43CC-B441-9E5B5EFB881C"), CoClass(typeof(SSOMapping)), ComImport]
    public interface ISSOMapping
    {
        void Create(int flags);
        void Delete();
        void Enable(int flags);
        void Disable();
        string WindowsDomainName { get; set; }
        string WindowsUserName { get; set; }
        string ApplicationName { get; set; }
        string ExternalUserName { get; set; }
        int Flags { get; set; }
    }

    [InterfaceType(ComInterfaceType.InterfaceIsDual), Guid("846B1755-EFF2-43E3-89D6-B216E6B57507"), CoClass(typeof(SSOConfigStore)), ComImport]
    public interface ISSOConfigStore
    {
        void SetConfigInfo(string applicationName, string identifier, IPropertyBag properties);
        void GetConfigInfo(string applicationName, string identifier, int flags, IPropertyBag properties);
        void DeleteConfigInfo(string applicationName, string identifier);
    }

    [InterfaceType(ComInterfaceType.InterfaceIsDual), Guid("5AC332CB-773F-4925-95FE-39CF2C670C24"), CoClass(typeof(SSOConfigOM)), ComImport]
    public interface ISSOConfigOM
    {
        void DiscoverServers(out string[] servers);
        void GetServerStatus(int flags, out string ssoServerName, out string sqlServer, out string sqlDatabase, out string serviceAccount, out string computerNameCluster, out string computerNameNode, out int eventCountInformational, out int eventCountWarning, out int eventCountError, out int versionInfoM, out int versionInfoL, out int auditLevelN, out int auditLevelP, out int passwordSyncAge, out int statusFlags);
    }

    [InterfaceType(ComInterfaceType.InterfaceIsDual), Guid("92A8E726-A83B-4ef6-8D77-197558227B0D"), CoClass(typeof(SSOConfigOM)), ComImport]
    public interface ISSOConfigSS
    {
        void GenerateSecret(string backupFile, string filePassword, string filePasswordReminder);
        void BackupSecret(string backupFile, string filePassword, string filePasswordReminder);
        void GetFilePasswordReminder(string restoreFile, out string filePasswordReminder);
        void RestoreSecret(string restoreFile, string filePassword);
    }

    public enum AffiliateApplicationType
    {
        None,
        Individual,
        Group,
        ConfigStore = 4,
        HostGroup = 8,
        PasswordSyncAdapter = 16,
        PasswordSyncGroupAdapter = 32,
        All = 268435455,
    }

    [ClassInterface(ClassInterfaceType.None), Guid("2C02A30F-50D8-4509-BA85-C695AD7FA262")]
    public class SSOFlag
    {
        public const int SSO_FLAG_NONE = 0;
        public const int SSO_FLAG_REFRESH = 1;
        public const int SSO_FLAG_ENABLED = 2;
        public const int SSO_FLAG_RUNTIME = 4;
        public const int SSO_FLAG_APP_USES_GROUP_MAPPING = 65536;
        public const int SSO_FLAG_APP_GROUP = 65536;
        public const int SSO_FLAG_APP_ALLOW_LOCAL = 262144;
        public const int SSO_FLAG_APP_ADMIN_SAME = 524288;
        public const int SSO_FLAG_APP_CONFIG_STORE = 1048576;
        public const int SSO_FLAG_APP_ADAPTER = 4194304;
        public const int SSO_FLAG_APP_FILTER_BY_TYPE = 1;
        public const int SSO_FLAG_MAPPING_CONFIG_STORE = 134217728;
        public const int SSO_FLAG_FIELD_INFO_MASK = 268435456;
        public const int SSO_FLAG_FIELD_INFO_SYNC = 536870912;
    }

    // ------------------------------------------------------------------ classes (stand-in behaviour)

    [ClassInterface(ClassInterfaceType.None), Guid("7C3F9D53-1F4E-4C52-9B8C-2B8B7B0A0001")]
    public class SSOAdmin : ISSOAdmin
    {
        public void GetGlobalInfo(out int flags, out int auditAppDeleteMax, out int auditMappingDeleteMax, out int auditNtpLookupMax, out int auditXpLookupMax, out int ticketTimeout, out int credCacheTimeout, out string secretServer, out string SSOAdminGroup, out string affiliateAppMgrGroup)
        {
            var s = StateFile.Read();
            if (s.CountsCalls) StateFile.Count("GetGlobalInfo");
            Checks.LocalServiceUp(s);
            flags = 0; auditAppDeleteMax = 1000; auditMappingDeleteMax = 1000; auditNtpLookupMax = 1000; auditXpLookupMax = 1000;
            ticketTimeout = 2; credCacheTimeout = 60;
            secretServer = s.SecretServer; SSOAdminGroup = s.AdminGroup; affiliateAppMgrGroup = s.AffiliateGroup;
        }

        public void UpdateGlobalInfo(int flags, int flagMask, ref int auditAppDeleteMax, ref int auditMappingDeleteMax, ref int auditNtpLookupMax, ref int auditXpLookupMax, ref int ticketTimeout, ref int credCacheTimeout, string secretServer, string SSOAdminGroup, string affiliateAppMgrGroup)
        {
            throw Hr.NotImplemented();
        }

        public void CreateApplication(string applicationName, string description, string contactInfo, string userGroupName, string adminGroupName, int flags, int numFields)
        {
            StateFile.Update(s =>
            {
                Checks.LocalServiceUp(s);
                if ((flags & SSOFlag.SSO_FLAG_ENABLED) != 0) throw Hr.Com(Hr.CreatedEnabled);
                if (string.IsNullOrEmpty(applicationName) || numFields < 1) throw Hr.Com(Hr.InvalidArg);
                if (s.Find(applicationName) != null) throw Hr.Com(Hr.AlreadyExists);
                s.Applications.Add(new StandinApp
                {
                    Name = applicationName, Description = description ?? "", Contact = contactInfo ?? "",
                    UserGroup = userGroupName ?? "", AdminGroup = adminGroupName ?? "", Flags = flags, NumFields = numFields,
                });
                const string copySuffix = "~entsso-bridge-tmp";
                if (applicationName.EndsWith(copySuffix, StringComparison.Ordinal)) WriteHooks.ToolWriteOnCopy(s, applicationName.Substring(0, applicationName.Length - copySuffix.Length));
            });
        }

        public void DeleteApplication(string applicationName)
        {
            StateFile.Update(s =>
            {
                Checks.LocalServiceUp(s);
                s.Applications.Remove(Checks.App(s, applicationName));
            });
        }

        public void GetApplicationInfo(string applicationName, out string description, out string contactInfo, out string userGroupName, out string adminGroupName, out int flags, out int numFields)
        {
            var s = StateFile.Read();
            Checks.LocalServiceUp(s);
            // Counted apart when the application is missing: on real ENTSSO that is a failed call (0xC0002A04) the service may audit.
            if (s.CountsCalls) StateFile.Count(s.Find(applicationName) == null ? "GetApplicationInfo:missing" : "GetApplicationInfo");
            var app = Checks.App(s, applicationName);
            description = app.Description; contactInfo = app.Contact; userGroupName = app.UserGroup; adminGroupName = app.AdminGroup;
            flags = app.Flags; numFields = app.NumFields;
        }

        public void UpdateApplication(string applicationName, string description, string contactInfo, string userGroupName, string adminGroupName, int flags, int flagMask)
        {
            StateFile.Update(s =>
            {
                Checks.LocalServiceUp(s);
                var app = Checks.App(s, applicationName);
                int next = (app.Flags & ~flagMask) | (flags & flagMask);
                if ((next & SSOFlag.SSO_FLAG_ENABLED) != 0 && app.Fields.Count != app.NumFields) throw Hr.Com(Hr.FieldsIncomplete);
                if (description != null) app.Description = description;
                if (contactInfo != null) app.Contact = contactInfo;
                if (userGroupName != null) app.UserGroup = userGroupName;
                if (adminGroupName != null) app.AdminGroup = adminGroupName;
                app.Flags = next;
            });
        }

        public void PurgeCacheForApplication(string applicationName)
        {
            StateFile.Update(s =>
            {
                Checks.LocalServiceUp(s);
                var app = Checks.App(s, applicationName);
                // Recorded (the last 20) so that a test can tell the bridge asked.
                s.CachePurges.Add(app.Name);
                if (s.CachePurges.Count > 20) s.CachePurges.RemoveAt(0);
            });
        }

        public void CreateFieldInfo(string applicationName, string label, int flags)
        {
            StateFile.Update(s =>
            {
                Checks.LocalServiceUp(s);
                var app = Checks.App(s, applicationName);
                if (string.IsNullOrEmpty(label) || app.Fields.Count >= app.NumFields) throw Hr.Com(Hr.InvalidArg);
                // ENTSSO: the first field holds the (unmasked) user name of a mapping; it cannot be masked.
                if (app.Fields.Count == 0 && (flags & SSOFlag.SSO_FLAG_FIELD_INFO_MASK) != 0) throw Hr.Com(Hr.InvalidArg);
                app.Fields.Add(new StandinField { Label = label, Flags = flags });
            });
        }
    }

    [ClassInterface(ClassInterfaceType.None), Guid("7C3F9D53-1F4E-4C52-9B8C-2B8B7B0A0002")]
    public class SSOMapping : ISSOMapping
    {
        public void Create(int flags) { throw Hr.NotImplemented(); }
        public void Delete() { throw Hr.NotImplemented(); }
        public void Enable(int flags) { throw Hr.NotImplemented(); }
        public void Disable() { throw Hr.NotImplemented(); }
        public string WindowsDomainName { get; set; }
        public string WindowsUserName { get; set; }
        public string ApplicationName { get; set; }
        public string ExternalUserName { get; set; }
        public int Flags { get; set; }
    }

    /// <summary>Applications, fields and mappings. The application filter is set through its property bag, as on the real one.</summary>
    [ClassInterface(ClassInterfaceType.None), Guid("7C3F9D53-1F4E-4C52-9B8C-2B8B7B0A0003")]
    public class SSOMapper : ISSOMapper, ISSOMapper2, IPropertyBag
    {
        int filterFlags = (int)AffiliateApplicationType.All;
        int filterMask;

        public void Read(string propName, out object ptrVar, int errorLog)
        {
            if (propName == "AppFilterFlags") ptrVar = filterFlags;
            else if (propName == "AppFilterFlagMask" || propName == "AppFilterFlagsMask") ptrVar = filterMask;
            else throw Hr.Com(Hr.InvalidArg);
        }

        public void Write(string propName, ref object ptrVar)
        {
            // VT_I4 or VT_UI4, as the docs allow (public code writes a uint).
            if (propName == "AppFilterFlags") filterFlags = unchecked((int)Convert.ToInt64(ptrVar));
            // Microsoft's docs spell it "AppFilterFlagsMask", code that works uses "AppFilterFlagMask": accept both.
            else if (propName == "AppFilterFlagMask" || propName == "AppFilterFlagsMask") filterMask = unchecked((int)Convert.ToInt64(ptrVar));
            else throw Hr.Com(Hr.InvalidArg);
        }

        public object[] GetMappingsForWindowsUser(string windowsDomainName, string windowsUserName, string applicationName) { throw Hr.NotImplemented(); }

        public object[] GetMappingsForExternalUser(string applicationName, string externalUserName)
        {
            var s = StateFile.Read();
            Checks.LocalServiceUp(s);
            // Whether the real one accepts a null application is not documented: the stand-in refuses it, so the bridge cannot come to rely on it.
            if (applicationName == null) throw Hr.Com(Hr.InvalidArg);
            var app = Checks.App(s, applicationName);
            var result = new List<object>();
            if ((app.Flags & SSOFlag.SSO_FLAG_APP_CONFIG_STORE) == 0) return result.ToArray();
            foreach (var id in app.Configs.Keys)
            {
                if (externalUserName != null && id != externalUserName) continue;
                result.Add(new SSOMapping { WindowsDomainName = "$ConfigStore$", WindowsUserName = id, ApplicationName = app.Name, ExternalUserName = id, Flags = SSOFlag.SSO_FLAG_MAPPING_CONFIG_STORE | SSOFlag.SSO_FLAG_ENABLED });
            }
            return result.ToArray();
        }

        public void SetWindowsPassword(string windowsPassword) { throw Hr.NotImplemented(); }
        public void SetExternalCredentials(string applicationName, string externalUserName, ref string[] externalCredentials) { throw Hr.NotImplemented(); }

        public void GetApplications(out string[] applications, out string[] descriptions, out string[] contactInfo)
        {
            string[] users, admins; int[] flags;
            GetApplications2(out applications, out descriptions, out contactInfo, out users, out admins, out flags);
        }

        public void GetFieldInfo(string applicationName, out string[] labels, out int[] flags)
        {
            var s = StateFile.Read();
            Checks.LocalServiceUp(s);
            var app = Checks.App(s, applicationName);
            // Real ENTSSO answers E_FAIL for a disabled application here (not "application disabled").
            if ((app.Flags & SSOFlag.SSO_FLAG_ENABLED) == 0) throw Hr.Com(Hr.Fail);
            labels = app.Fields.ConvertAll(f => f.Label).ToArray();
            flags = app.Fields.ConvertAll(f => f.Flags).ToArray();
        }

        public void GetApplications2(out string[] applications, out string[] descriptions, out string[] contactInfo, out string[] userAccounts, out string[] adminAccounts, out int[] flags)
        {
            var s = StateFile.Read();
            Checks.LocalServiceUp(s);
            if (s.CountsCalls) StateFile.Count("GetApplications2");
            // "ignoreTypeFilter": an ENTSSO that ignores the type filter lists as unfiltered (config-store applications left out).
            var apps = s.Applications.FindAll(a => s.IgnoreTypeFilter ? AppType(a.Flags) != (int)AffiliateApplicationType.ConfigStore : PassesFilter(a.Flags));
            applications = apps.ConvertAll(a => a.Name).ToArray();
            descriptions = apps.ConvertAll(a => a.Description).ToArray();
            contactInfo = apps.ConvertAll(a => a.Contact).ToArray();
            userAccounts = apps.ConvertAll(a => a.UserGroup).ToArray();
            adminAccounts = apps.ConvertAll(a => a.AdminGroup).ToArray();
            flags = apps.ConvertAll(a => a.Flags).ToArray();
        }

        /// <summary>
        /// Unfiltered, ENTSSO lists affiliate (individual and group) applications only: "ssomanage -listapps [all]
        /// ... all ... will also display applications using the Configuration Store feature" (learn.microsoft.com,
        /// "How to List Affiliate Applications"). With SSO_FLAG_APP_FILTER_BY_TYPE in the mask, AppFilterFlags
        /// says which types ("How to Change the Behavior of a Single Sign-On Interface").
        /// </summary>
        bool PassesFilter(int appFlags)
        {
            int type = AppType(appFlags);
            if ((filterMask & SSOFlag.SSO_FLAG_APP_FILTER_BY_TYPE) == 0) return type != (int)AffiliateApplicationType.ConfigStore;
            return (filterFlags & type) != 0;
        }

        static int AppType(int appFlags)
        {
            if ((appFlags & SSOFlag.SSO_FLAG_APP_CONFIG_STORE) != 0) return (int)AffiliateApplicationType.ConfigStore;
            if ((appFlags & SSOFlag.SSO_FLAG_APP_GROUP) != 0) return (int)AffiliateApplicationType.Group;
            return (int)AffiliateApplicationType.Individual;
        }
    }

    [ClassInterface(ClassInterfaceType.None), Guid("CF3C637A-0D4E-47BD-9210-DB40A33BD488")]
    public class SSOConfigStore : ISSOConfigStore
    {
        public void GetConfigInfo(string applicationName, string identifier, int flags, IPropertyBag properties)
        {
            var s = StateFile.Read();
            // Counted (when a test asks) so that a test can tell how many configurations a request decrypts.
            if (s.CountsCalls) StateFile.Count("GetConfigInfo");
            Checks.LocalServiceUp(s);
            var app = Checks.App(s, applicationName);
            if ((app.Flags & SSOFlag.SSO_FLAG_ENABLED) == 0) throw Hr.Com(Hr.ApplicationDisabled);
            Dictionary<string, string> stored;
            if (!app.Configs.TryGetValue(identifier ?? "", out stored)) throw Hr.Com(Hr.ConfigNotSet);
            // The local SSO service decrypts from the secret it cached; without one it cannot.
            if (!s.SecretCached) throw Hr.Com(Hr.NoSecret);
            bool runtime = (flags & SSOFlag.SSO_FLAG_RUNTIME) != 0;
            foreach (var field in app.Fields)
            {
                // Admin mode leaves masked fields out altogether.
                if (!runtime && (field.Flags & SSOFlag.SSO_FLAG_FIELD_INFO_MASK) != 0) continue;
                string cipher;
                if (!stored.TryGetValue(field.Label, out cipher)) continue;
                object value = ValueCrypto.Decrypt(s.SecretKey, cipher);
                properties.Write(field.Label, ref value);
            }
        }

        public void SetConfigInfo(string applicationName, string identifier, IPropertyBag properties)
        {
            StateFile.Update(s =>
            {
                Checks.LocalServiceUp(s);
                var app = Checks.App(s, applicationName);
                if ((app.Flags & SSOFlag.SSO_FLAG_ENABLED) == 0) throw Hr.Com(Hr.ApplicationDisabled);
                Checks.CanEncrypt(s);
                if (s.RaceCount > 0)
                {
                    s.RaceCount--;
                    s.RacesRaised++;
                    throw Hr.Com(Hr.WriteRace);
                }
                Dictionary<string, string> stored;
                if (!app.Configs.TryGetValue(identifier ?? "", out stored)) stored = new Dictionary<string, string>();
                var next = new Dictionary<string, string>();
                // Only the application's own field names are asked for: any other name the caller put in the bag is dropped, silently.
                foreach (var field in app.Fields)
                {
                    object value;
                    properties.Read(field.Label, out value, 0);
                    if (value == null) throw Hr.Com(Hr.FieldsIncomplete);
                    if (value is DBNull)
                    {
                        string kept;
                        if (!stored.TryGetValue(field.Label, out kept)) throw Hr.Com(Hr.NullWithoutValue);
                        next[field.Label] = kept;
                        continue;
                    }
                    next[field.Label] = ValueCrypto.Encrypt(s.SecretKey, Convert.ToString(value));
                }
                app.Configs[identifier] = next;
                s.WritesDone++;
                WriteHooks.OverwriteAfterSet(s, next);
            });
        }

        public void DeleteConfigInfo(string applicationName, string identifier)
        {
            StateFile.Update(s =>
            {
                Checks.LocalServiceUp(s);
                var app = Checks.App(s, applicationName);
                if (!app.Configs.Remove(identifier ?? "")) throw Hr.Com(Hr.ConfigNotSet);
            });
        }
    }

    /// <summary>Server status and master secret operations. Aimed at a server by writing "CurrentSSOServer" into its property bag.</summary>
    [ClassInterface(ClassInterfaceType.None), Guid("7C3F9D53-1F4E-4C52-9B8C-2B8B7B0A0004")]
    public class SSOConfigOM : ISSOConfigOM, ISSOConfigSS, IPropertyBag
    {
        public const int STATUS_ONLINE = 0x1;
        public const int STATUS_SECRET_SERVER_RUNNING = 0x2;
        string currentServer;

        public void Read(string propName, out object ptrVar, int errorLog)
        {
            if (propName != "CurrentSSOServer") throw Hr.Com(Hr.InvalidArg);
            ptrVar = currentServer;
        }

        public void Write(string propName, ref object ptrVar)
        {
            if (propName != "CurrentSSOServer") throw Hr.Com(Hr.InvalidArg);
            currentServer = ptrVar as string;
        }

        public void DiscoverServers(out string[] servers)
        {
            var s = StateFile.Read();
            servers = s.LocalServer == s.SecretServer ? new[] { s.LocalServer } : new[] { s.LocalServer, s.SecretServer };
        }

        public void GetServerStatus(int flags, out string ssoServerName, out string sqlServer, out string sqlDatabase, out string serviceAccount, out string computerNameCluster, out string computerNameNode, out int eventCountInformational, out int eventCountWarning, out int eventCountError, out int versionInfoM, out int versionInfoL, out int auditLevelN, out int auditLevelP, out int passwordSyncAge, out int statusFlags)
        {
            var s = StateFile.Read();
            if (s.CountsCalls) StateFile.Count("GetServerStatus");
            Checks.Injected(s, "GetServerStatus");
            if (s.AccessDenied) throw new UnauthorizedAccessException("Access is denied.");
            string target = string.IsNullOrEmpty(currentServer) ? s.LocalServer : currentServer;
            bool isLocal = string.Equals(target, s.LocalServer, StringComparison.OrdinalIgnoreCase);
            bool isMss = string.Equals(target, s.SecretServer, StringComparison.OrdinalIgnoreCase);
            if (!isLocal && !isMss) throw Hr.Com(Hr.RpcUnavailable);
            if (isLocal && !s.LocalRunning) throw Hr.Com(Hr.RpcUnavailable);
            // A remote MSS that is down does not answer at all; a local one answers without the secret server flag.
            if (!isLocal && !s.MssReachable) throw Hr.Com(Hr.RpcUnavailable);
            statusFlags = STATUS_ONLINE | (isMss && s.MssReachable ? STATUS_SECRET_SERVER_RUNNING : 0);
            ssoServerName = target; sqlServer = "SQL01"; sqlDatabase = "SSODB"; serviceAccount = "CONTOSO\\svc-sso";
            computerNameCluster = ""; computerNameNode = target;
            eventCountInformational = 0; eventCountWarning = 0; eventCountError = 0;
            versionInfoM = 10; versionInfoL = 1000; auditLevelN = 0; auditLevelP = 0; passwordSyncAge = 0;
        }

        public void GenerateSecret(string backupFile, string filePassword, string filePasswordReminder)
        {
            StateFile.Update(s =>
            {
                Checks.SecretOperationAllowed(s, true);
                Checks.BackupArguments(filePassword, filePasswordReminder);
                var oldKey = s.SecretKey;
                var newKey = ValueCrypto.NewKey();
                string newMsid = Guid.NewGuid().ToString("B").ToUpperInvariant();
                BackupFile.Write(backupFile, filePassword, filePasswordReminder, newMsid, newKey);
                foreach (var app in s.Applications)
                    foreach (var config in app.Configs.Values)
                        foreach (var label in new List<string>(config.Keys))
                            config[label] = ValueCrypto.Encrypt(newKey, ValueCrypto.Decrypt(oldKey, config[label]));
                s.PreviousMsid = s.Msid;
                s.Msid = newMsid;
                s.SecretKey = newKey;
            });
        }

        public void BackupSecret(string backupFile, string filePassword, string filePasswordReminder)
        {
            var s = StateFile.Read();
            Checks.SecretOperationAllowed(s, true);
            Checks.BackupArguments(filePassword, filePasswordReminder);
            BackupFile.Write(backupFile, filePassword, filePasswordReminder, s.Msid, s.SecretKey);
        }

        public void GetFilePasswordReminder(string restoreFile, out string filePasswordReminder)
        {
            var s = StateFile.Read();
            Checks.SecretOperationAllowed(s, false);
            filePasswordReminder = BackupFile.Reminder(restoreFile);
        }

        public void RestoreSecret(string restoreFile, string filePassword)
        {
            StateFile.Update(s =>
            {
                Checks.SecretOperationAllowed(s, false);
                string msid; byte[] key;
                BackupFile.Open(restoreFile, filePassword, out msid, out key);
                if (msid != s.Msid)
                {
                    // A restored secret that is not the one the data was encrypted with makes the data unreadable, as on real ENTSSO.
                    s.PreviousMsid = s.Msid;
                }
                s.Msid = msid;
                s.SecretKey = key;
                s.SecretCached = true;
            });
        }
    }
}
