// The protocol's methods (src/ssoClient/protocol.ts `Methods`) on top of ENTSSO, as far as ENTSSO
// can do the same thing. What it cannot (verify a backup without restoring it, the audit list,
// MSS nodes, export/import) is not served, and `hello` lists what is (capabilities).
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using EntssoBridge.Json;

namespace EntssoBridge
{
    public sealed class Operations
    {
        public const int MaxPageSize = 1000;
        const int WriteAttempts = 4;
        static readonly int[] BackoffMs = { 50, 150, 400 };

        readonly StateMonitor monitor;
        readonly Entsso entsso;
        readonly PortNames portNames = new PortNames();
        readonly Dictionary<string, Func<Dictionary<string, object>, object>> handlers;
        // Row versions are keyed hashes of the stored values, so that they cannot be used to guess a value offline.
        // A per-process key until `hello` gives the extension's one for the environment (the same for every bridge it starts).
        byte[] versionKey = new byte[32];

        public Operations(StateMonitor monitor)
        {
            this.monitor = monitor;
            entsso = new Entsso(() => monitor.MssName);
            using (var rng = RandomNumberGenerator.Create()) rng.GetBytes(versionKey);
            handlers = new Dictionary<string, Func<Dictionary<string, object>, object>>
            {
                { "hello", Hello },
                { "status", p => monitor.Current },
                { "health", Health },
                { "apps.list", ListApplications },
                { "apps.get", p => Detail(Name(p, "name")) },
                { "apps.create", CreateApplication },
                { "apps.delete", DeleteApplication },
                { "apps.setEnabled", SetEnabled },
                { "apps.addField", AddFields },
                { "apps.removeField", RemoveFields },
                { "identifiers.list", ListIdentifiers },
                { "search", Search },
                { "config.get", GetConfig },
                { "config.set", p => Encrypted(SetConfig(p)) },
                { "config.delete", DeleteConfig },
                { "config.fingerprints", Fingerprints },
                { "secret.info", SecretInfo },
                { "secret.backup", BackupSecret },
                { "secret.inspect", InspectBackup },
                { "secret.restore", RestoreSecret },
                { "secret.generate", GenerateSecret },
            };
        }

        public IEnumerable<string> Capabilities { get { return handlers.Keys; } }
        public bool Serves(string method) { return handlers.ContainsKey(method); }

        public object Dispatch(string method, Dictionary<string, object> p)
        {
            if (recoveryPending && method != "hello" && method != "status") FinishInterruptedFieldChanges();
            return handlers[method](p);
        }

        // ------------------------------------------------------------------ connection and state

        object Hello(Dictionary<string, object> p)
        {
            long version = JsonObject.Num(p, "protocolVersion", -1);
            if (version != Host.ProtocolVersion)
                throw new BridgeError("ENTSSO_E_UNSUPPORTED_VERSION", "entsso-bridge speaks protocol version " + Host.ProtocolVersion + ", the client " + version + ". Update the older of the two.");
            UseVersionKey(p);
            Log.Event("hello", "client " + Clip(JsonObject.Str(p, "client", "?"), 80));
            Greeted = true;
            return new Dictionary<string, object>
            {
                { "protocolVersion", Host.ProtocolVersion },
                { "serverVersion", "entsso-bridge " + Program.Version + " on " + Entsso.InteropDescription() },
                { "state", monitor.Current },
                { "backend", "entsso-bridge" },
                { "capabilities", Capabilities.ToList() },
            };
        }

        /// <summary>State pushes start once a client said hello.</summary>
        public bool Greeted { get; private set; }

        object Health(Dictionary<string, object> p)
        {
            var state = monitor.Current;
            string stateName = (string)state["state"];
            var checks = new List<object>
            {
                Check("service", "This machine's Enterprise SSO service", stateName == "ssodb-unreachable" ? "error" : "ok",
                    stateName == "ssodb-unreachable" ? "Not reachable." : "Running.",
                    stateName == "ssodb-unreachable" ? "Start the \"Enterprise Single Sign-On Service\" (services.msc)." : ""),
                MssCheck(state),
                Check("backup", "Master secret backup", "warning",
                    "ENTSSO does not record when the master secret was last backed up, and a backup can only be checked by restoring it.",
                    "Keep the backup file and its password where your recovery plan says; back up again after generating a new secret."),
            };
            portNames.Current();
            string reason = portNames.Unavailable;
            checks.Add(Check("portNames", "BizTalk port names (BizTalkMgmtDb)", reason == null ? "ok" : "warning",
                reason == null ? "Adapter applications and port configurations are shown with their BizTalk names (" + portNames.Source + ")." : "GUIDs are shown: " + reason,
                reason == null ? "" : "To see port names, ask for read access to BizTalkMgmtDb (BizTalk Server Administrators / BTS_ADMIN_USERS)."));
            return new Dictionary<string, object> { { "at", DateTime.UtcNow.ToString("o") }, { "state", state }, { "checks", checks } };
        }

        static Dictionary<string, object> Check(string id, string title, string verdict, string detail, string nextStep)
        {
            return new Dictionary<string, object> { { "id", id }, { "title", title }, { "verdict", verdict }, { "detail", detail }, { "nextStep", nextStep } };
        }

        // ------------------------------------------------------------------ applications

        object ListApplications(Dictionary<string, object> p)
        {
            string filter = JsonObject.Str(p, "filter", "");
            var names = portNames.Current();
            var apps = VisibleApplications().Where(a => Matches(filter, a.Name, names.ApplicationName(a.Name))).ToList();
            var page = Page(p, apps);
            // GetApplications2 does not say how many fields an application has; GetApplicationInfo does.
            foreach (var a in page.Item1) a.NumFields = entsso.Application(a.Name).NumFields;
            return PageResult(page.Item1.Select(a => (object)Info(a, IdentifierCount(a), names)).ToList(), page.Item2);
        }

        IEnumerable<AppRecord> VisibleApplications()
        {
            return entsso.Applications().Where(a => !FieldChanges.IsTemporary(a.Name)).OrderBy(a => a.Name, StringComparer.OrdinalIgnoreCase);
        }

        /// <summary>Identifiers of a config-store application; none for an affiliate one (its mappings are user credentials, not configurations).</summary>
        List<string> IdentifiersOf(AppRecord a)
        {
            return a.IsConfigStore ? entsso.Identifiers(a.Name) : new List<string>();
        }

        /// <summary>
        /// How many configurations it holds; null when not counted: an affiliate application's mappings are not
        /// listed (IdentifiersOf), or the listing failed. The extension must not call such an application empty
        /// (Delete Application would skip typing its name).
        /// </summary>
        int? IdentifierCount(AppRecord a)
        {
            if (!a.IsConfigStore) return null;
            try { return entsso.Identifiers(a.Name).Count; }
            catch (BridgeError e) { Log.Event("count-failed", a.Name + ": " + e.SsoCode); return null; }
        }

        Dictionary<string, object> Info(AppRecord a, int? identifierCount, PortNameMap names)
        {
            var info = new Dictionary<string, object>
            {
                { "name", a.Name }, { "description", a.Description }, { "contact", a.Contact },
                { "userGroup", a.UserGroup }, { "adminGroup", a.AdminGroup }, { "flags", a.Flags },
                { "kind", a.Kind }, { "enabled", a.Enabled }, { "numFields", a.NumFields },
                { "identifierCount", identifierCount ?? 0 },
            };
            if (identifierCount == null) info["identifierCountUnknown"] = true;
            string display = names.ApplicationName(a.Name);
            if (display != null) info["displayName"] = display;
            return info;
        }

        Dictionary<string, object> Detail(string name)
        {
            var app = entsso.Application(name);
            var detail = Info(app, IdentifierCount(app), portNames.Current());
            var fields = new List<object>();
            if (app.Enabled)
            {
                var list = entsso.Fields(name);
                for (int i = 0; i < list.Count; i++)
                    fields.Add(new Dictionary<string, object> { { "label", list[i].Label }, { "masked", list[i].Masked }, { "ordinal", i } });
                detail["fieldsVersion"] = FieldChanges.Version(list);
            }
            detail["fields"] = fields;
            return detail;
        }

        object CreateApplication(Dictionary<string, object> p)
        {
            string name = Name(p, "name");
            string kind = JsonObject.Str(p, "kind");
            var fields = FieldList(p);
            if (FieldChanges.IsTemporary(name)) throw BridgeError.Invalid("Application names ending in \"" + FieldChanges.TemporarySuffix + "\" or holding \"" + FieldChangeLock.Suffix + "\" are kept for the bridge's own use. Choose another name.");
            if (entsso.ApplicationExists(name))
                throw new BridgeError("ENTSSO_E_APPLICATION_EXISTS", "An SSO application named \"" + name + "\" already exists. Choose another name, or open the existing one.");
            var groups = entsso.Groups();
            var app = new AppRecord
            {
                Name = name,
                Description = JsonObject.Str(p, "description", ""),
                Contact = JsonObject.Str(p, "contact", ""),
                UserGroup = NonEmpty(JsonObject.Str(p, "userGroup", ""), groups[1]),
                AdminGroup = NonEmpty(JsonObject.Str(p, "adminGroup", ""), groups[0]),
                Flags = KindFlags(kind),
            };
            entsso.CreateApplication(app, fields);
            try
            {
                if (JsonObject.Bool(p, "enabled", true)) entsso.SetEnabled(name, true);
            }
            catch (BridgeError)
            {
                TryDelete(name);
                throw;
            }
            Log.Event("app-created", name);
            return Detail(name);
        }

        void TryDelete(string name)
        {
            try { entsso.DeleteApplication(name); }
            catch (BridgeError e) { Log.Event("cleanup-failed", name + ": " + e.SsoCode); }
        }

        // As Microsoft's tools create them, and as the embedded service does (applicationFlags.ts):
        // a config-store application is CONFIG_STORE | ALLOW_LOCAL; an adapter is "a special type of
        // configuration store application" (ENTSSO docs), so it keeps the config-store bit, which
        // its identifiers need (IdentifiersOf). AppRecord.Kind reads the adapter bit first. Every kind
        // allows local accounts, as the service's do: a developer's single BizTalk box has local groups.
        static int KindFlags(string kind)
        {
            const int configStore = 0x100000, adapter = 0x400000, allowLocal = 0x40000;
            switch (kind)
            {
                case "configStore": return configStore | allowLocal;
                case "adapter": return configStore | adapter | allowLocal;
                case "affiliate": return allowLocal;
                default: throw BridgeError.Invalid("\"kind\" must be configStore, adapter or affiliate.");
            }
        }

        object DeleteApplication(Dictionary<string, object> p)
        {
            string name = Name(p, "name");
            entsso.DeleteApplication(name);
            Log.Event("app-deleted", name);
            return new Dictionary<string, object> { { "deleted", true } };
        }

        object SetEnabled(Dictionary<string, object> p)
        {
            string name = Name(p, "name");
            bool enabled = JsonObject.Bool(p, "enabled", true);
            entsso.SetEnabled(name, enabled);
            Log.Event(enabled ? "app-enabled" : "app-disabled", name);
            return Detail(name);
        }

        object AddFields(Dictionary<string, object> p)
        {
            string name = Name(p, "name");
            var added = FieldList(p);
            return ChangeFields(name, JsonObject.Str(p, "expectedFieldsVersion", ""), current =>
            {
                foreach (var f in added)
                    if (current.Any(c => string.Equals(c.Label, f.Label, StringComparison.OrdinalIgnoreCase)))
                        throw BridgeError.Invalid("The application already has a field \"" + f.Label + "\". Choose another label.");
                return current.Concat(added).ToList();
            });
        }

        object RemoveFields(Dictionary<string, object> p)
        {
            string name = Name(p, "name");
            var labels = JsonObject.Arr(p, "fields").Select(o => o as string ?? "").ToList();
            return ChangeFields(name, JsonObject.Str(p, "expectedFieldsVersion", ""), current =>
            {
                var unknown = labels.Where(l => !current.Any(c => c.Label == l)).ToList();
                if (unknown.Count > 0) throw UnknownFields(unknown);
                var next = current.Where(c => !labels.Contains(c.Label)).ToList();
                if (next.Count == 0) throw BridgeError.Invalid("An SSO application needs at least one field. Keep one, or delete the application.");
                if (next[0].Masked) throw BridgeError.Invalid("ENTSSO does not allow a masked first field, and removing these fields would make \"" + next[0].Label + "\" first. Remove fewer fields.");
                return next;
            });
        }

        object ChangeFields(string name, string expectedVersion, Func<List<FieldRecord>, List<FieldRecord>> change)
        {
            FinishInterruptedFieldChanges();
            var app = entsso.Application(name);
            if (!app.Enabled) throw new BridgeError("ENTSSO_E_APPLICATION_DISABLED", "Fields can be changed only while the application is enabled (ENTSSO hides a disabled application's values). Enable it, then try again.");
            if (!app.IsConfigStore) throw BridgeError.Invalid("ENTSSO can change fields only by recreating the application; the bridge does that for config-store and adapter applications only, whose values it can copy. Recreate this affiliate application by hand.");
            var current = entsso.Fields(name);
            if (expectedVersion.Length > 0 && expectedVersion != FieldChanges.Version(current))
                throw new BridgeError("ENTSSO_E_CONFLICT", "The application's fields changed since you looked at them. Refresh, then try again.");
            var next = change(current);
            // Recreating writes every value again: refuse up front rather than half-way when ENTSSO cannot encrypt.
            // The poll thread's state refuses at once; when it says yes, one fresh poll confirms before anything is deleted.
            var state = monitor.Current;
            if ((bool)state["canEncrypt"]) state = monitor.Refresh();
            if (!(bool)state["canEncrypt"])
                throw new BridgeError("ENTSSO_E_NO_SECRET", "Fields cannot be changed now: " + state["message"]);
            try
            {
                new FieldChanges(entsso).Recreate(app, current, next);
            }
            catch (BridgeError)
            {
                // Recreate undid (or finished) its own change under its lock; this finishes any other left behind.
                FinishInterruptedFieldChanges();
                throw;
            }
            Log.Event("fields-changed", name + ": " + current.Count + " -> " + next.Count + " fields");
            return Detail(name);
        }

        /// <summary>
        /// Finishes a field change a killed bridge left half-way (FieldChanges.cs). Only while ENTSSO can
        /// encrypt, so that it never stops half-way itself; the state comes from the poll thread (never a
        /// poll here). Retried before each request only while a copy or lock is actually left.
        /// </summary>
        public void FinishInterruptedFieldChanges()
        {
            try
            {
                var fieldChanges = new FieldChanges(entsso);
                if (!fieldChanges.AnyInterrupted())
                {
                    recoveryPending = recoveryReported = false;
                    return;
                }
                var state = monitor.Current;
                if (!(bool)state["canEncrypt"]) throw new BridgeError("ENTSSO_E_NO_SECRET", (string)state["message"]);
                // A change another live bridge holds is in progress, not interrupted: look again at the next request.
                recoveryPending = fieldChanges.FinishInterrupted() > 0;
                recoveryReported = false;
            }
            catch (BridgeError e)
            {
                if (!recoveryReported) Log.Event("recovery-pending", e.SsoCode + ": " + e.Message);
                recoveryPending = recoveryReported = true;
            }
            catch (Exception e) when (!(e is OutOfMemoryException))
            {
                // Not a BridgeError: a bug or unexpected data. Logged by type only; the request itself goes on.
                if (!recoveryReported) Log.Event("recovery-pending", e.GetType().Name);
                recoveryPending = recoveryReported = true;
            }
        }

        bool recoveryPending = true, recoveryReported;

        // ------------------------------------------------------------------ identifiers and configurations

        object ListIdentifiers(Dictionary<string, object> p)
        {
            string application = Name(p, "application");
            string filter = JsonObject.Str(p, "filter", "");
            var app = entsso.Application(application);
            var names = portNames.Current();
            var matching = IdentifiersOf(app).Where(id => Matches(filter, id, names.IdentifierName(app.Name, id))).ToList();
            var page = Page(p, matching);
            var items = new List<object>();
            foreach (var id in page.Item1)
            {
                // No row version: ENTSSO keeps none, and one computed here is a decrypting GetConfigInfo per row (an
                // audited call in the local SSO service), 100 for a page. null says "unknown" (ListedIdentifier in
                // src/protocol/messages.ts): whoever needs it for a conflict check reads it with config.get then.
                var item = new Dictionary<string, object> { { "application", app.Name }, { "identifier", id }, { "timestamp", null }, { "modifiedAt", 0 } };
                string display = names.IdentifierName(app.Name, id);
                if (display != null) item["displayName"] = display;
                items.Add(item);
            }
            return PageResult(items, page.Item2);
        }

        object GetConfig(Dictionary<string, object> p)
        {
            string application = Name(p, "application");
            string identifier = Name(p, "identifier");
            bool reveal = JsonObject.Bool(p, "reveal", false);
            var fields = entsso.Fields(application);
            // One runtime read gives the values and the row version, so both describe the same stored row.
            // (A second, admin-mode read for the values shown was a third ENTSSO call, a third of the
            // time of config.get in bench/bridge.bench.ts, and could see a newer row than the version
            // returned with it.) Masked values are left out below unless revealed.
            Dictionary<string, object> stored = Read(application, identifier, true);
            if (reveal) Log.Event("reveal", "masked fields of " + application + " / " + identifier + " shown to " + Environment.UserDomainName + "\\" + Environment.UserName);
            var values = new Dictionary<string, object>(StringComparer.Ordinal);
            var masked = new List<object>();
            // The masked fields that hold a value (never the value): an empty password is not shown as a set one.
            var maskedSet = new List<object>();
            foreach (var f in fields)
            {
                object v;
                string value = stored.TryGetValue(f.Label, out v) && v != null && !(v is DBNull) ? Convert.ToString(v) : "";
                if (f.Masked) masked.Add(f.Label);
                if (f.Masked && value.Length > 0) maskedSet.Add(f.Label);
                values[f.Label] = f.Masked && !reveal ? "" : value;
            }
            return new Dictionary<string, object>
            {
                { "application", application }, { "identifier", identifier }, { "timestamp", RowVersion(stored) }, { "modifiedAt", 0 },
                { "fields", values }, { "masked", masked }, { "maskedSet", maskedSet }, { "revealed", reveal },
            };
        }

        const int CompareMaxIdentifiers = 100;

        // Compare across environments (src/protocol/fieldFingerprint.ts): per field, whether it holds a
        // value and HMAC-SHA256(key, ASCII-lower-cased label, NUL, value), the same bytes the SSO service
        // hashes, so a masked value is compared without leaving ENTSSO. The key serves this request only
        // (zeroed after it); like a reveal, the comparison is logged (names only, never the key).
        object Fingerprints(Dictionary<string, object> p)
        {
            string application = Name(p, "application");
            var ids = JsonObject.Arr(p, "identifiers");
            if (ids.Count == 0 || ids.Count > CompareMaxIdentifiers) throw BridgeError.Invalid("\"identifiers\" must list 1 to " + CompareMaxIdentifiers + " configurations; compare more in several requests.");
            byte[] key;
            try { key = Convert.FromBase64String(JsonObject.Str(p, "key")); }
            catch (FormatException) { key = new byte[0]; }
            try
            {
                if (key.Length < 32 || key.Length > 64) throw BridgeError.Invalid("\"key\" must be base64 of 32 to 64 random bytes, fresh for each comparison.");
                var fields = entsso.Fields(application);
                var items = new List<object>();
                int found = 0;
                using (var hmac = new HMACSHA256(key))
                {
                    foreach (var o in ids)
                    {
                        string identifier = o as string;
                        if (string.IsNullOrEmpty(identifier) || identifier.Length > 256) throw BridgeError.Invalid("Each of \"identifiers\" must have 1 to 256 characters.");
                        Dictionary<string, object> stored = entsso.ReadConfigOrNull(application, identifier);
                        if (stored == null)
                        {
                            items.Add(new Dictionary<string, object> { { "identifier", identifier }, { "found", false }, { "fields", new Dictionary<string, object>() } });
                            continue;
                        }
                        monitor.ObserveDecrypted();
                        found++;
                        items.Add(new Dictionary<string, object> { { "identifier", identifier }, { "found", true }, { "timestamp", RowVersion(stored) }, { "fields", FieldPrints(hmac, fields, stored) } });
                    }
                }
                Log.Event("compare", "fingerprints of " + found + " configuration(s) of " + application + " for a comparison, to " + Environment.UserDomainName + "\\" + Environment.UserName);
                return new Dictionary<string, object> { { "application", application }, { "fieldsVersion", "" }, { "items", items } };
            }
            finally
            {
                Array.Clear(key, 0, key.Length);
            }
        }

        static Dictionary<string, object> FieldPrints(HMACSHA256 hmac, IEnumerable<FieldRecord> fields, Dictionary<string, object> stored)
        {
            var prints = new Dictionary<string, object>(StringComparer.Ordinal);
            foreach (var f in fields)
            {
                object v;
                string value = stored.TryGetValue(f.Label, out v) && v != null && !(v is DBNull) ? Convert.ToString(v) : "";
                var print = new Dictionary<string, object> { { "masked", f.Masked }, { "set", value.Length > 0 } };
                if (value.Length > 0) print["hash"] = FieldHash(hmac, f.Label, value);
                prints[f.Label] = print;
            }
            return prints;
        }

        static string FieldHash(HMACSHA256 hmac, string label, string value)
        {
            var lowered = new StringBuilder(label.Length);
            foreach (char c in label) lowered.Append(c >= 'A' && c <= 'Z' ? (char)(c + 32) : c);
            byte[] labelBytes = Encoding.UTF8.GetBytes(lowered.ToString());
            byte[] valueBytes = Encoding.UTF8.GetBytes(value);
            var input = new byte[labelBytes.Length + 1 + valueBytes.Length];
            Buffer.BlockCopy(labelBytes, 0, input, 0, labelBytes.Length);
            Buffer.BlockCopy(valueBytes, 0, input, labelBytes.Length + 1, valueBytes.Length);
            try { return BitConverter.ToString(hmac.ComputeHash(input)).Replace("-", "").ToLowerInvariant(); }
            finally { Array.Clear(input, 0, input.Length); Array.Clear(valueBytes, 0, valueBytes.Length); }
        }

        Dictionary<string, object> Read(string application, string identifier, bool runtime)
        {
            try
            {
                var values = entsso.ReadConfig(application, identifier, runtime);
                if (runtime) monitor.ObserveDecrypted();
                return values;
            }
            catch (BridgeError e)
            {
                monitor.Observe(e, true);
                throw;
            }
        }

        object SetConfig(Dictionary<string, object> p)
        {
            string application = Name(p, "application");
            string identifier = Name(p, "identifier");
            var given = JsonObject.Child(p, "fields");
            string expected = p.ContainsKey("expectedTimestamp") ? p["expectedTimestamp"] as string : null;
            if (p.ContainsKey("expectedTimestamp") && p["expectedTimestamp"] != null && expected == null) throw BridgeError.Invalid("\"expectedTimestamp\" must be a string or null.");
            var clearMasked = new HashSet<string>(JsonObject.Arr(p, "clearMasked", false).Select(o => o as string ?? ""), StringComparer.Ordinal);
            RefuseDuringFieldChange(application, false);
            var fields = entsso.Fields(application);
            // ENTSSO drops unknown names silently: refuse them before anything is written.
            var unknown = given.Keys.Concat(clearMasked).Where(k => !fields.Any(f => f.Label == k)).Distinct().ToList();
            if (unknown.Count > 0) throw UnknownFields(unknown);
            foreach (var kv in given)
                if (!(kv.Value is string)) throw BridgeError.Invalid("The value of field \"" + kv.Key + "\" must be a string.");
            ConfigurationSize.CheckValues(given);
            Dictionary<string, object> written;
            for (int attempt = 1; ; attempt++)
            {
                var stored = entsso.ReadConfigOrNull(application, identifier);
                CheckExpected(stored, expected);
                var bag = Bag(fields, given, clearMasked, stored);
                var after = AsStored(bag, stored);
                ConfigurationSize.Check(application, identifier, fields, after, stored);
                try
                {
                    entsso.WriteConfig(application, identifier, bag);
                    written = after;
                    break;
                }
                catch (BridgeError e)
                {
                    monitor.Observe(e, false);
                    if (e.HResult32 != HResults.WriteRace || attempt >= WriteAttempts) throw;
                    Log.Event("write-race", application + " / " + identifier + ": attempt " + attempt + " of " + WriteAttempts);
                    System.Threading.Thread.Sleep(BackoffMs[attempt - 1]);
                }
            }
            Log.Event("config-set", application + " / " + identifier + " fields: " + string.Join(", ", given.Keys));
            RefuseDuringFieldChange(application, true);
            // The version of what was written, not of a later read: a write by someone else in between
            // must make this document's next save a conflict. A read-back that differs is that write.
            string version = RowVersion(written);
            if (RowVersion(entsso.ReadConfigOrNull(application, identifier)) != version)
            {
                Log.Event("config-set-overwritten", application + " / " + identifier);
                throw new BridgeError("ENTSSO_E_CONFLICT", "Someone else wrote this configuration at the same moment, so it may not hold your values. Reopen it to check.");
            }
            return new Dictionary<string, object>
            {
                { "application", application }, { "identifier", identifier }, { "timestamp", version }, { "modifiedAt", 0 },
            };
        }

        /// <summary>The values a write leaves stored: the bag, with each DBNull (kept) field holding the stored value read for the check.</summary>
        static Dictionary<string, object> AsStored(Dictionary<string, object> bag, Dictionary<string, object> stored)
        {
            var values = new Dictionary<string, object>(bag, StringComparer.Ordinal);
            foreach (var kv in bag)
                if (kv.Value is DBNull) values[kv.Key] = stored[kv.Key];
            return values;
        }

        void CheckExpected(Dictionary<string, object> stored, string expected)
        {
            if (expected == null && stored != null)
                throw new BridgeError("ENTSSO_E_CONFLICT", "A configuration with this identifier already exists. Open it instead, or choose another identifier.");
            if (expected != null && stored == null)
                throw new BridgeError("ENTSSO_E_CONFLICT", "This configuration was deleted since you opened it. Save your values under a new configuration, or close it.");
            if (expected != null && RowVersion(stored) != expected)
                throw new BridgeError("ENTSSO_E_CONFLICT", "This configuration was changed since you opened it. Reopen it to see the current values, then apply your change again.");
        }

        /// <summary>What SetConfigInfo gets: every field of the application; DBNull keeps a stored value (how a masked field is left unchanged).</summary>
        static Dictionary<string, object> Bag(List<FieldRecord> fields, Dictionary<string, object> given, HashSet<string> clearMasked, Dictionary<string, object> stored)
        {
            var bag = new Dictionary<string, object>(StringComparer.Ordinal);
            foreach (var f in fields)
            {
                bool hasStored = stored != null && stored.ContainsKey(f.Label) && stored[f.Label] != null;
                object v;
                string value = given.TryGetValue(f.Label, out v) ? (string)v : null;
                if (clearMasked.Contains(f.Label)) bag[f.Label] = "";
                else if (value == null || (f.Masked && value.Length == 0)) bag[f.Label] = hasStored ? (object)DBNull.Value : "";
                else bag[f.Label] = value;
            }
            return bag;
        }

        object DeleteConfig(Dictionary<string, object> p)
        {
            string application = Name(p, "application");
            string identifier = Name(p, "identifier");
            string expected = JsonObject.Str(p, "expectedTimestamp");
            var stored = entsso.ReadConfigOrNull(application, identifier);
            if (stored == null) throw new BridgeError("ENTSSO_E_MAPPING_NOT_FOUND", "This configuration does not exist any more. Refresh the explorer.");
            CheckExpected(stored, expected);
            RefuseDuringFieldChange(application, false);
            entsso.DeleteConfig(application, identifier);
            RefuseDuringFieldChange(application, true);
            Log.Event("config-deleted", application + " / " + identifier);
            return new Dictionary<string, object> { { "deleted", true } };
        }

        /// <summary>ENTSSO keeps no row version: a keyed hash of the stored values (masked ones included) stands for one.</summary>
        string RowVersion(Dictionary<string, object> values)
        {
            if (values == null) return "";
            var sb = new StringBuilder();
            foreach (var kv in values.OrderBy(k => k.Key, StringComparer.Ordinal))
            {
                // An empty field counts as absent: a read may leave it out of the bag where the write had "".
                string v = kv.Value == null || kv.Value is DBNull ? "" : Convert.ToString(kv.Value);
                if (v.Length == 0) continue;
                sb.Append(kv.Key.Length).Append(':').Append(kv.Key).Append(v.Length).Append(':').Append(v);
            }
            using (var h = new HMACSHA256(versionKey))
            {
                var hash = h.ComputeHash(Encoding.UTF8.GetBytes(sb.ToString()));
                return BitConverter.ToString(hash, 0, 12).Replace("-", "").ToLowerInvariant();
            }
        }

        object Search(Dictionary<string, object> p)
        {
            string query = JsonObject.Str(p, "query").Trim();
            int limit = (int)Math.Max(1, Math.Min(MaxPageSize, JsonObject.Num(p, "limit", 50)));
            var hits = new List<object>();
            if (query.Length == 0) return hits;
            var names = portNames.Current();
            foreach (var app in VisibleApplications())
            {
                if (hits.Count >= limit) break;
                if (Matches(query, app.Name, names.ApplicationName(app.Name)))
                    hits.Add(new Dictionary<string, object> { { "application", app.Name }, { "kind", app.Kind } });
                List<string> ids;
                try { ids = IdentifiersOf(app); }
                catch (BridgeError) { continue; }
                foreach (var id in ids)
                {
                    if (hits.Count >= limit) break;
                    if (Matches(query, id, names.IdentifierName(app.Name, id)))
                        hits.Add(new Dictionary<string, object> { { "application", app.Name }, { "kind", app.Kind }, { "identifier", id } });
                }
            }
            return hits;
        }

        // ------------------------------------------------------------------ master secret (on the MSS only)

        object SecretInfo(Dictionary<string, object> p)
        {
            // ENTSSO tells none of these to a client; only the MSS's name.
            return new Dictionary<string, object>
            {
                { "currentMsid", null }, { "previousMsid", null }, { "secretCreatedAt", null },
                { "lastBackupAt", null }, { "lastVerifiedBackupAt", null }, { "mssName", monitor.MssName },
            };
        }

        object BackupSecret(Dictionary<string, object> p)
        {
            string password = JsonObject.Str(p, "password");
            string reminder = JsonObject.Str(p, "reminder", "");
            byte[] file = WithTemporaryFile(null, path => { entsso.BackupSecret(path, password, reminder); return File.ReadAllBytes(path); });
            Log.Event("secret-backup", "a backup of the master secret was made on " + monitor.MssName);
            return new Dictionary<string, object> { { "file", Convert.ToBase64String(file) }, { "msids", new List<object>() } };
        }

        object GenerateSecret(Dictionary<string, object> p)
        {
            string password = JsonObject.Str(p, "password");
            string reminder = JsonObject.Str(p, "reminder", "");
            byte[] file = WithTemporaryFile(null, path => { entsso.GenerateSecret(path, password, reminder); return File.ReadAllBytes(path); });
            Log.Event("secret-generate", "a new master secret was generated on " + monitor.MssName + " and its backup returned");
            return new Dictionary<string, object> { { "file", Convert.ToBase64String(file) }, { "msid", "" } };
        }

        const uint InvalidArgument = 0x80070057;

        object InspectBackup(Dictionary<string, object> p)
        {
            byte[] file = Base64(p, "file");
            string reminder;
            try { reminder = WithTemporaryFile(file, path => entsso.Reminder(path)); }
            catch (BridgeError e) when (e.HResult32 == InvalidArgument)
            {
                // The path is a private file the bridge just wrote: "invalid argument" is about what is in it.
                // (0x80070057 is what the ENTSSO stand-in answers; real ENTSSO's code for a non-backup file is not documented.)
                throw new BridgeError("ENTSSO_E_BAD_FILE", "This is not an Enterprise SSO master secret backup, or it is damaged. Pick the file that Back Up Master Secret (or ssoconfig -backupSecret) wrote.", e.Details);
            }
            return new Dictionary<string, object>
            {
                { "format", "ENTSSO master secret backup" }, { "version", 0 }, { "created", "" }, { "environment", monitor.MssName },
                { "foreignEnvironment", false }, { "msids", new List<object>() }, { "reminder", reminder },
            };
        }

        object RestoreSecret(Dictionary<string, object> p)
        {
            byte[] file = Base64(p, "file");
            string password = JsonObject.Str(p, "password");
            WithTemporaryFile(file, path => { entsso.RestoreSecret(path, password); return true; });
            Log.Event("secret-restore", "the master secret was restored on " + monitor.MssName);
            return new Dictionary<string, object> { { "msid", "" } };
        }

        /// <summary>ENTSSO reads and writes backups as files: a private temporary one (it holds only the password-encrypted backup), always removed.</summary>
        static T WithTemporaryFile<T>(byte[] content, Func<string, T> use)
        {
            string dir = Path.Combine(Path.GetTempPath(), "entsso-bridge-" + Guid.NewGuid().ToString("N"));
            CreatePrivateDirectory(dir);
            string path = Path.Combine(dir, "secret.bak");
            try
            {
                if (content != null) File.WriteAllBytes(path, content);
                T result = use(path);
                CrashPoint.Reach("temporary-backup-written");
                return result;
            }
            finally
            {
                // Any failure (a scanner holding the file: UnauthorizedAccessException too) must not lose
                // the answer; the file only ever holds the password-encrypted backup.
                try { Directory.Delete(dir, true); } catch (Exception) { Log.Event("temp-left", "a temporary backup folder could not be deleted"); }
            }
        }

        /// <summary>
        /// A folder only this account can open. On Mono (Unix) Directory.CreateDirectory follows the umask, which
        /// leaves a folder under /tmp readable by every local account (0755); mkdir with 0700 creates it private
        /// at once, and fails rather than reuse a folder that exists. On Windows, %TEMP% is the account's own.
        /// </summary>
        static void CreatePrivateDirectory(string dir)
        {
            var platform = Environment.OSVersion.Platform;
            if (platform != PlatformID.Unix && platform != PlatformID.MacOSX)
            {
                Directory.CreateDirectory(dir);
                return;
            }
            if (mkdir(dir, OwnerOnly) != 0)
                throw new IOException("The temporary folder for the backup file could not be created (errno " + Marshal.GetLastWin32Error() + ").");
        }

        const uint OwnerOnly = 448; // 0700: read, write and search for the owner only

        [DllImport("libc", SetLastError = true)]
        static extern int mkdir(string path, uint mode);

        static byte[] Base64(Dictionary<string, object> p, string key)
        {
            try { return Convert.FromBase64String(JsonObject.Str(p, key)); }
            catch (FormatException) { throw new BridgeError("ENTSSO_E_BAD_FILE", "The file is not valid base64. Choose the backup file again."); }
        }

        // ------------------------------------------------------------------ helpers

        static string Name(Dictionary<string, object> p, string key)
        {
            string v = JsonObject.Str(p, key);
            if (v.Length == 0 || v.Length > 256) throw BridgeError.Invalid("\"" + key + "\" must have 1 to 256 characters.");
            return v;
        }

        static List<FieldRecord> FieldList(Dictionary<string, object> p)
        {
            var list = new List<FieldRecord>();
            foreach (var item in JsonObject.Arr(p, "fields"))
            {
                var f = JsonObject.Obj(item, "field");
                string label = JsonObject.Str(f, "label");
                if (label.Length == 0 || label.Length > 256) throw BridgeError.Invalid("A field label must have 1 to 256 characters.");
                if (list.Any(x => string.Equals(x.Label, label, StringComparison.OrdinalIgnoreCase))) throw BridgeError.Invalid("The field \"" + label + "\" is given twice.");
                list.Add(new FieldRecord { Label = label, Masked = JsonObject.Bool(f, "masked", false) });
            }
            if (list.Count == 0) throw BridgeError.Invalid("Give at least one field.");
            return list;
        }

        static BridgeError UnknownFields(List<string> unknown)
        {
            return new BridgeError("ENTSSO_E_UNKNOWN_FIELD",
                "The application has no field named " + string.Join(", ", unknown.Select(u => "\"" + Clip(u, 64) + "\"")) + ". Nothing was written. Use the application's field names (or add the field first).",
                new Dictionary<string, object> { { "fields", unknown.Cast<object>().ToList() } });
        }

        static bool Matches(string filter, string name, string displayName)
        {
            if (string.IsNullOrEmpty(filter)) return true;
            return name.IndexOf(filter, StringComparison.OrdinalIgnoreCase) >= 0
                || (displayName != null && displayName.IndexOf(filter, StringComparison.OrdinalIgnoreCase) >= 0);
        }

        static Tuple<List<T>, string> Page<T>(Dictionary<string, object> p, List<T> all)
        {
            int limit = (int)Math.Max(1, Math.Min(MaxPageSize, JsonObject.Num(p, "limit", 100)));
            int start;
            string cursor = JsonObject.Str(p, "cursor", "");
            if (cursor.Length == 0) start = 0;
            else if (!int.TryParse(cursor, out start) || start < 0) throw BridgeError.Invalid("\"cursor\" is not one this bridge returned. Start again without it.");
            var items = all.Skip(start).Take(limit).ToList();
            string next = start + items.Count < all.Count ? (start + items.Count).ToString() : null;
            return Tuple.Create(items, next);
        }

        static object PageResult(List<object> items, string next)
        {
            var result = new Dictionary<string, object> { { "items", items } };
            if (next != null) result["nextCursor"] = next;
            return result;
        }

        // ------------------------------------------------------------------ state seen by requests (bridgelist)

        /// <summary>The master secret server's line of Check Health; "unknown" where this account cannot read which server it is.</summary>
        static Dictionary<string, object> MssCheck(Dictionary<string, object> state)
        {
            string stateName = (string)state["state"];
            string mss = (string)state["mssName"];
            bool up = stateName == "ready" || stateName == "reencrypting";
            if (string.IsNullOrEmpty(mss))
                return Check("mss", "Master secret server: unknown", up ? "warning" : "error",
                    up ? "Unknown: which server it is cannot be read with your account (it takes SSO Administrators), so its reachability is not checked." : (string)state["message"],
                    "Ask an SSO administrator to check that the Enterprise Single Sign-On service runs on the master secret server.");
            return Check("mss", "Master secret server " + mss, up ? "ok" : "error",
                up ? "Reachable; the secret server runs." : (string)state["message"],
                up ? "" : "Start the Enterprise Single Sign-On service on " + mss + ".");
        }

        /// <summary>A write that worked tells the state monitor that ENTSSO can encrypt (an earlier refusal is over).</summary>
        object Encrypted(object result)
        {
            monitor.ObserveEncrypted();
            return result;
        }

        static string NonEmpty(string value, string fallback) { return string.IsNullOrEmpty(value) ? fallback : value; }
        static string Clip(string s, int n) { return s.Length > n ? s.Substring(0, n) + "…" : s; }

        /// <summary>
        /// The row-version key the extension keeps for this environment (src/connection/bridgeVersionKey.ts), so that a
        /// restarted bridge gives the versions the last one gave. Neither logged nor echoed; without one, the per-process key stays.
        /// </summary>
        void UseVersionKey(Dictionary<string, object> p)
        {
            string given = JsonObject.Str(p, "versionKey", "");
            if (given.Length == 0) return;
            byte[] key;
            try { key = Convert.FromBase64String(given); }
            catch (FormatException) { key = new byte[0]; }
            if (key.Length < 32 || key.Length > 64) throw BridgeError.Invalid("Bad \"versionKey\".");
            versionKey = key;
        }

        /// <summary>FieldChanges.RefuseWriteDuringChange; a refusal also has the next request finish a change left interrupted.</summary>
        void RefuseDuringFieldChange(string application, bool written)
        {
            try { FieldChanges.RefuseWriteDuringChange(entsso, application, written); }
            catch (BridgeError) { recoveryPending = true; throw; }
        }
    }
}
