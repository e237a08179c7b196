// The ENTSSO calls the bridge makes, each wrapped so that any failure becomes a BridgeError
// (HRESULT → code + sentence). One instance per thread: COM objects are not shared across threads.
using System;
using System.Collections.Generic;
using Microsoft.EnterpriseSingleSignOn.Interop;

namespace EntssoBridge
{
    public sealed class AppRecord
    {
        public string Name, Description, Contact, UserGroup, AdminGroup;
        public int Flags, NumFields;
        public bool Enabled { get { return (Flags & SSOFlag.SSO_FLAG_ENABLED) != 0; } }
        public bool IsConfigStore { get { return (Flags & SSOFlag.SSO_FLAG_APP_CONFIG_STORE) != 0; } }
        public string Kind
        {
            get
            {
                if ((Flags & SSOFlag.SSO_FLAG_APP_ADAPTER) != 0) return "adapter";
                return IsConfigStore ? "configStore" : "affiliate";
            }
        }
    }

    public sealed class FieldRecord
    {
        public string Label;
        public bool Masked;
        public int Flags;
    }

    public sealed class ServerStatus
    {
        public const int Online = 0x1, SecretServerRunning = 0x2;
        public string Server;
        public int Flags;
    }

    /// <summary>Collects values written by ENTSSO (reads) and answers ENTSSO's reads (writes). DBNull = keep the stored value.</summary>
    public sealed class PropertyBag : IPropertyBag
    {
        public readonly Dictionary<string, object> Values = new Dictionary<string, object>(StringComparer.Ordinal);

        public void Read(string propName, out object ptrVar, int errorLog)
        {
            Values.TryGetValue(propName, out ptrVar);
        }

        public void Write(string propName, ref object ptrVar)
        {
            Values[propName] = ptrVar;
        }
    }

    public sealed class Entsso
    {
        public const string ConfigStoreDomain = "$ConfigStore$";
        readonly Func<string> mssName;

        public Entsso(Func<string> mssName) { this.mssName = mssName; }

        /// <summary>Which interop assembly was loaded; the test stand-in says so in its title, so that every report names it.</summary>
        public static string InteropDescription()
        {
            try
            {
                // By name, not typeof: a method naming ENTSSO's types fails where it is compiled when
                // ENTSSO is missing, before its own try (and Mono then refuses the class for good).
                var assembly = System.Reflection.Assembly.Load(InteropLocator.AssemblyName);
                var title = (System.Reflection.AssemblyTitleAttribute)Attribute.GetCustomAttribute(assembly, typeof(System.Reflection.AssemblyTitleAttribute));
                string name = assembly.GetName().Name + " " + assembly.GetName().Version;
                return title != null && title.Title.IndexOf("STAND-IN", StringComparison.Ordinal) >= 0 ? name + " (" + title.Title + ")" : name;
            }
            catch (Exception e)
            {
                return "not loaded (" + e.GetType().Name + ")";
            }
        }

        T Call<T>(Func<T> call)
        {
            try { return call(); }
            catch (Exception e) { throw HResults.Translate(e, mssName()); }
        }

        void Call(Action call)
        {
            Call<bool>(() => { call(); return true; });
        }

        public string SecretServerName()
        {
            return Call(() =>
            {
                ISSOAdmin admin = new ISSOAdmin();
                int flags, a1, a2, a3, a4, t1, t2; string secretServer, adminGroup, affiliateGroup;
                admin.GetGlobalInfo(out flags, out a1, out a2, out a3, out a4, out t1, out t2, out secretServer, out adminGroup, out affiliateGroup);
                return secretServer;
            });
        }

        public string[] Groups()
        {
            return Call(() =>
            {
                ISSOAdmin admin = new ISSOAdmin();
                int flags, a1, a2, a3, a4, t1, t2; string secretServer, adminGroup, affiliateGroup;
                admin.GetGlobalInfo(out flags, out a1, out a2, out a3, out a4, out t1, out t2, out secretServer, out adminGroup, out affiliateGroup);
                return new[] { adminGroup, affiliateGroup };
            });
        }

        /// <summary>GetServerStatus against <paramref name="server"/> (null = this machine's SSO service).</summary>
        public ServerStatus Status(string server)
        {
            return Call(() =>
            {
                ISSOConfigOM om = new ISSOConfigOM();
                if (!string.IsNullOrEmpty(server))
                {
                    object target = server;
                    ((IPropertyBag)om).Write("CurrentSSOServer", ref target);
                }
                string name, sql, db, account, cluster, node;
                int i1, i2, i3, vm, vl, an, ap, age, flags;
                om.GetServerStatus(0, out name, out sql, out db, out account, out cluster, out node, out i1, out i2, out i3, out vm, out vl, out an, out ap, out age, out flags);
                return new ServerStatus { Server = name, Flags = flags };
            });
        }

        public List<AppRecord> Applications()
        {
            return Call(() =>
            {
                ISSOMapper2 mapper = new ISSOMapper2();
                ListEveryType((IPropertyBag)mapper);
                string[] names, descriptions, contacts, users, admins; int[] flags;
                mapper.GetApplications2(out names, out descriptions, out contacts, out users, out admins, out flags);
                var result = new List<AppRecord>();
                for (int i = 0; i < names.Length; i++)
                    result.Add(new AppRecord { Name = names[i], Description = descriptions[i] ?? "", Contact = contacts[i] ?? "", UserGroup = users[i] ?? "", AdminGroup = admins[i] ?? "", Flags = flags[i] });
                return result;
            });
        }

        /// <summary>
        /// Without a type filter ENTSSO lists affiliate applications only: "ssomanage -listapps [all]",
        /// "all ... will also display applications using the Configuration Store feature" (learn.microsoft.com,
        /// "How to List Affiliate Applications"). The filter is written into the mapper's property bag
        /// ("How to Change the Behavior of a Single Sign-On Interface": AppFilterFlags and its mask, VT_UI4),
        /// as ENTSSO-BRIDGE.md and public code do (Be.Stateless AffiliateApplication.FindByContact:
        /// ConfigStore | All, mask SSO_FLAG_APP_FILTER_BY_TYPE = 1). The docs spell the mask
        /// "AppFilterFlagsMask"; every public caller found writes "AppFilterFlagMask".
        /// </summary>
        static void ListEveryType(IPropertyBag bag)
        {
            object types = (uint)(AffiliateApplicationType.ConfigStore | AffiliateApplicationType.All);
            object mask = (uint)SSOFlag.SSO_FLAG_APP_FILTER_BY_TYPE;
            bag.Write("AppFilterFlags", ref types);
            bag.Write("AppFilterFlagMask", ref mask);
        }

        public AppRecord Application(string name)
        {
            return Call(() =>
            {
                ISSOAdmin admin = new ISSOAdmin();
                string description, contact, users, admins; int flags, numFields;
                admin.GetApplicationInfo(name, out description, out contact, out users, out admins, out flags, out numFields);
                return new AppRecord { Name = name, Description = description ?? "", Contact = contact ?? "", UserGroup = users ?? "", AdminGroup = admins ?? "", Flags = flags, NumFields = numFields };
            });
        }

        public bool ApplicationExists(string name)
        {
            try { Application(name); return true; }
            catch (BridgeError e) { if (e.HResult32 == HResults.NoSuchApplication) return false; throw; }
        }

        /// <summary>The field list. ENTSSO answers E_FAIL for a disabled application: that is reported as "disabled".</summary>
        public List<FieldRecord> Fields(string application)
        {
            try
            {
                return Call(() =>
                {
                    ISSOMapper2 mapper = new ISSOMapper2();
                    string[] labels; int[] flags;
                    mapper.GetFieldInfo(application, out labels, out flags);
                    var result = new List<FieldRecord>();
                    for (int i = 0; i < labels.Length; i++)
                        result.Add(new FieldRecord { Label = labels[i], Flags = flags[i], Masked = (flags[i] & SSOFlag.SSO_FLAG_FIELD_INFO_MASK) != 0 });
                    return result;
                });
            }
            catch (BridgeError e)
            {
                if (e.HResult32 != HResults.Fail) throw;
                throw new BridgeError("ENTSSO_E_APPLICATION_DISABLED", "ENTSSO shows the fields of enabled applications only. Enable the application (SSO: Enable Application), then try again.", e.Details);
            }
        }

        /// <summary>Identifiers of a config-store application: its mappings under the $ConfigStore$ domain, sorted.</summary>
        public List<string> Identifiers(string application)
        {
            return Call(() =>
            {
                ISSOMapper2 mapper = new ISSOMapper2();
                object[] mappings = mapper.GetMappingsForExternalUser(application, null);
                var result = new List<string>();
                foreach (object o in mappings ?? new object[0])
                {
                    var m = (ISSOMapping)o;
                    if (string.Equals(m.WindowsDomainName, ConfigStoreDomain, StringComparison.OrdinalIgnoreCase)) result.Add(m.WindowsUserName);
                }
                result.Sort(StringComparer.OrdinalIgnoreCase);
                return result;
            });
        }

        /// <summary>Admin mode omits masked fields; runtime mode returns them, from the local server only.</summary>
        public Dictionary<string, object> ReadConfig(string application, string identifier, bool runtime)
        {
            return Call(() =>
            {
                ISSOConfigStore store = new ISSOConfigStore();
                var bag = new PropertyBag();
                store.GetConfigInfo(application, identifier, runtime ? SSOFlag.SSO_FLAG_RUNTIME | SSOFlag.SSO_FLAG_REFRESH : SSOFlag.SSO_FLAG_NONE, bag);
                return bag.Values;
            });
        }

        /// <summary>The stored values, or null when the identifier has none.</summary>
        public Dictionary<string, object> ReadConfigOrNull(string application, string identifier)
        {
            try { return ReadConfig(application, identifier, true); }
            catch (BridgeError e) { if (e.HResult32 == HResults.ConfigNotSet) return null; throw; }
        }

        public void WriteConfig(string application, string identifier, Dictionary<string, object> values)
        {
            Call(() =>
            {
                ISSOConfigStore store = new ISSOConfigStore();
                var bag = new PropertyBag();
                foreach (var kv in values) bag.Values[kv.Key] = kv.Value;
                store.SetConfigInfo(application, identifier, bag);
            });
        }

        public void DeleteConfig(string application, string identifier)
        {
            Call(() => { ISSOConfigStore store = new ISSOConfigStore(); store.DeleteConfigInfo(application, identifier); });
        }

        /// <summary>Creates an application (disabled: ENTSSO refuses to create one enabled) with its fields.</summary>
        public void CreateApplication(AppRecord app, IList<FieldRecord> fields)
        {
            Call(() =>
            {
                ISSOAdmin admin = new ISSOAdmin();
                admin.CreateApplication(app.Name, app.Description, app.Contact, app.UserGroup, app.AdminGroup, app.Flags & ~SSOFlag.SSO_FLAG_ENABLED, fields.Count);
                // A field's other flags are kept (BTDF creates its fields with SSO_FLAG_FIELD_INFO_SYNC).
                foreach (var f in fields) admin.CreateFieldInfo(app.Name, f.Label, (f.Flags & ~SSOFlag.SSO_FLAG_FIELD_INFO_MASK) | (f.Masked ? SSOFlag.SSO_FLAG_FIELD_INFO_MASK : SSOFlag.SSO_FLAG_NONE));
            });
        }

        public void SetEnabled(string name, bool enabled)
        {
            var app = Application(name);
            Call(() =>
            {
                ISSOAdmin admin = new ISSOAdmin();
                admin.UpdateApplication(name, app.Description, app.Contact, app.UserGroup, app.AdminGroup, enabled ? SSOFlag.SSO_FLAG_ENABLED : 0, SSOFlag.SSO_FLAG_ENABLED);
            });
        }

        public void DeleteApplication(string name)
        {
            Call(() => { ISSOAdmin admin = new ISSOAdmin(); admin.DeleteApplication(name); });
        }

        public void BackupSecret(string file, string password, string reminder)
        {
            SecretCall(() => { ISSOConfigSS ss = new ISSOConfigSS(); ss.BackupSecret(file, password, reminder); return true; });
        }

        public void GenerateSecret(string file, string password, string reminder)
        {
            SecretCall(() => { ISSOConfigSS ss = new ISSOConfigSS(); ss.GenerateSecret(file, password, reminder); return true; });
        }

        public void RestoreSecret(string file, string password)
        {
            SecretCall(() => { ISSOConfigSS ss = new ISSOConfigSS(); ss.RestoreSecret(file, password); return true; });
        }

        public string Reminder(string file)
        {
            return SecretCall(() => { ISSOConfigSS ss = new ISSOConfigSS(); string r; ss.GetFilePasswordReminder(file, out r); return r ?? ""; });
        }

        /// <summary>A master secret operation: access denied there means "not elevated on the MSS" as often as "not an SSO administrator".</summary>
        T SecretCall<T>(Func<T> call)
        {
            try { return Call(call); }
            catch (BridgeError e) { throw HResults.ForSecretOperation(e, mssName()); }
        }

        /// <summary>Rewrites an application's description only (flag mask 0: its flags stay); the field-change lock's heartbeat.</summary>
        public void UpdateDescription(AppRecord app)
        {
            Call(() =>
            {
                ISSOAdmin admin = new ISSOAdmin();
                admin.UpdateApplication(app.Name, app.Description, app.Contact, app.UserGroup, app.AdminGroup, 0, 0);
            });
        }

        static readonly int[] WriteRaceBackoffMs = { 50, 150, 400 };

        /// <summary>
        /// WriteConfig of a whole configuration the caller holds (a field change's copies): ENTSSO raises
        /// 0xC0002A40 on writes "randomly; in virtually all cases an immediate retry succeeds" (BTDF), and
        /// one refused write would abort the change half-way. Retried up to 3 times, as SetConfig does.
        /// </summary>
        public void WriteConfigRetrying(string application, string identifier, Dictionary<string, object> values)
        {
            for (int attempt = 1; ; attempt++)
            {
                try
                {
                    WriteConfig(application, identifier, values);
                    return;
                }
                catch (BridgeError e)
                {
                    if (e.HResult32 != HResults.WriteRace || attempt > WriteRaceBackoffMs.Length) throw;
                    Log.Event("write-race", application + " / " + identifier + ": attempt " + attempt + " of " + (WriteRaceBackoffMs.Length + 1));
                    System.Threading.Thread.Sleep(WriteRaceBackoffMs[attempt - 1]);
                }
            }
        }

        /// <summary>Tells every SSO server to drop its cached copy of an application (after it was recreated), as Microsoft's sample does.</summary>
        public void PurgeCache(string name)
        {
            Call(() => { ISSOAdmin admin = new ISSOAdmin(); admin.PurgeCacheForApplication(name); });
        }
    }
}
