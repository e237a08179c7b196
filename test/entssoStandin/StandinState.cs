// STAND-IN of ENTSSO for tests: the state behind the stand-in's interop classes, in a JSON file
// (env ENTSSO_STANDIN_STATE). Re-read on every call so a test can change faults between calls;
// every change is written under a lock file and atomically (temp file + rename). Stored values
// are AES-256-CBC encrypted under the stand-in's master secret (never plaintext in the file).
using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using EntssoBridge.Json;

namespace EntssoStandin
{
    internal sealed class StandinField
    {
        public string Label;
        public int Flags;
    }

    internal sealed class StandinApp
    {
        public string Name, Description = "", Contact = "", UserGroup = "", AdminGroup = "";
        public int Flags, NumFields;
        public List<StandinField> Fields = new List<StandinField>();
        /// <summary>Identifier → field label → encrypted value.</summary>
        public Dictionary<string, Dictionary<string, string>> Configs = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
    }

    internal sealed class StandinState
    {
        public string LocalServer = "BTS01", SecretServer = "BTS01";
        public string AdminGroup = "SSO Administrators", AffiliateGroup = "SSO Affiliate Administrators";
        public bool MssReachable = true, LocalRunning = true, SecretCached = true, Reencrypting, AccessDenied;
        /// <summary>A test asked for call counts (key "callCounts" present): see StateFile.Count.</summary>
        public bool CountsCalls;
        public int RaceCount, RacesRaised, WritesDone;
        public string Msid, PreviousMsid;
        public byte[] SecretKey;
        public List<StandinApp> Applications = new List<StandinApp>();
        /// <summary>Test faults: interop member name → HRESULT it fails with ("0xC0002A22"), or → delay in ms before it runs.</summary>
        public Dictionary<string, object> FailCalls = new Dictionary<string, object>(), DelayCalls = new Dictionary<string, object>();
        /// <summary>Test hook: field label → plain value another writer stores right after the next successful SetConfigInfo (once).</summary>
        public Dictionary<string, object> OverwriteAfterSet = new Dictionary<string, object>();
        /// <summary>Test hook: "identifier" → (field label → plain value) another tool stores in an application the moment a copy named "&lt;it&gt;~entsso-bridge-tmp" is created (once).</summary>
        public Dictionary<string, object> ToolWriteOnCopy = new Dictionary<string, object>();
        /// <summary>Applications PurgeCacheForApplication was called for, the last 20.</summary>
        public List<string> CachePurges = new List<string>();
        /// <summary>Test option "ignoreTypeFilter": the listing ignores AppFilterFlags (as ENTSSO would if the mask's name were wrong).</summary>
        public bool IgnoreTypeFilter;

        public StandinApp Find(string name)
        {
            return Applications.Find(a => string.Equals(a.Name, name, StringComparison.OrdinalIgnoreCase));
        }

        public static StandinState FromJson(Dictionary<string, object> o)
        {
            var s = new StandinState();
            s.LocalServer = JsonObject.Str(o, "localServer", s.LocalServer);
            s.SecretServer = JsonObject.Str(o, "secretServer", s.SecretServer);
            s.AdminGroup = JsonObject.Str(o, "ssoAdminGroup", s.AdminGroup);
            s.AffiliateGroup = JsonObject.Str(o, "affiliateAdminGroup", s.AffiliateGroup);
            s.MssReachable = JsonObject.Bool(o, "mssReachable", true);
            s.LocalRunning = JsonObject.Bool(o, "localRunning", true);
            s.SecretCached = JsonObject.Bool(o, "secretCached", true);
            s.Reencrypting = JsonObject.Bool(o, "reencrypting", false);
            s.AccessDenied = JsonObject.Bool(o, "accessDenied", false);
            s.RaceCount = (int)JsonObject.Num(o, "raceCount", 0);
            s.RacesRaised = (int)JsonObject.Num(o, "racesRaised", 0);
            s.WritesDone = (int)JsonObject.Num(o, "writesDone", 0);
            s.Msid = JsonObject.Str(o, "msid", "");
            s.PreviousMsid = JsonObject.Str(o, "previousMsid", "");
            s.SecretKey = Convert.FromBase64String(JsonObject.Str(o, "secretKey"));
            s.CountsCalls = JsonObject.Has(o, "callCounts");
            s.FailCalls = JsonObject.Child(o, "failCalls");
            s.DelayCalls = JsonObject.Child(o, "delayCalls");
            s.OverwriteAfterSet = JsonObject.Child(o, "overwriteAfterSet");
            s.ToolWriteOnCopy = JsonObject.Child(o, "toolWriteOnCopy");
            foreach (var name in JsonObject.Arr(o, "cachePurges", false)) s.CachePurges.Add(name as string ?? "");
            s.IgnoreTypeFilter = JsonObject.Bool(o, "ignoreTypeFilter", false);
            foreach (var item in JsonObject.Arr(o, "applications", false))
            {
                var a = JsonObject.Obj(item, "application");
                var app = new StandinApp
                {
                    Name = JsonObject.Str(a, "name"),
                    Description = JsonObject.Str(a, "description", ""),
                    Contact = JsonObject.Str(a, "contact", ""),
                    UserGroup = JsonObject.Str(a, "userGroup", ""),
                    AdminGroup = JsonObject.Str(a, "adminGroup", ""),
                    Flags = (int)JsonObject.Num(a, "flags", 0),
                    NumFields = (int)JsonObject.Num(a, "numFields", 0),
                };
                foreach (var f in JsonObject.Arr(a, "fields", false))
                {
                    var fo = JsonObject.Obj(f, "field");
                    app.Fields.Add(new StandinField { Label = JsonObject.Str(fo, "label"), Flags = (int)JsonObject.Num(fo, "flags", 0) });
                }
                foreach (var kv in JsonObject.Child(a, "configs"))
                {
                    var values = new Dictionary<string, string>(StringComparer.Ordinal);
                    foreach (var v in JsonObject.Obj(kv.Value, "config")) values[v.Key] = (string)v.Value;
                    app.Configs[kv.Key] = values;
                }
                s.Applications.Add(app);
            }
            return s;
        }

        public Dictionary<string, object> ToJson(Dictionary<string, object> original)
        {
            // Keys the stand-in does not know (a test's notes) are kept.
            var o = new Dictionary<string, object>(original, StringComparer.Ordinal);
            o["localServer"] = LocalServer; o["secretServer"] = SecretServer;
            o["ssoAdminGroup"] = AdminGroup; o["affiliateAdminGroup"] = AffiliateGroup;
            o["mssReachable"] = MssReachable; o["localRunning"] = LocalRunning; o["secretCached"] = SecretCached;
            o["reencrypting"] = Reencrypting; o["accessDenied"] = AccessDenied;
            o["raceCount"] = RaceCount; o["racesRaised"] = RacesRaised; o["writesDone"] = WritesDone;
            o["cachePurges"] = new List<object>(CachePurges);
            o["msid"] = Msid; o["previousMsid"] = PreviousMsid; o["secretKey"] = Convert.ToBase64String(SecretKey);
            if (OverwriteAfterSet.Count == 0) o.Remove("overwriteAfterSet");
            if (ToolWriteOnCopy.Count == 0) o.Remove("toolWriteOnCopy");
            var apps = new List<object>();
            foreach (var app in Applications)
            {
                var fields = new List<object>();
                foreach (var f in app.Fields) fields.Add(new Dictionary<string, object> { { "label", f.Label }, { "flags", f.Flags } });
                var configs = new Dictionary<string, object>(StringComparer.Ordinal);
                foreach (var c in app.Configs)
                {
                    var values = new Dictionary<string, object>(StringComparer.Ordinal);
                    foreach (var v in c.Value) values[v.Key] = v.Value;
                    configs[c.Key] = values;
                }
                apps.Add(new Dictionary<string, object>
                {
                    { "name", app.Name }, { "description", app.Description }, { "contact", app.Contact },
                    { "userGroup", app.UserGroup }, { "adminGroup", app.AdminGroup }, { "flags", app.Flags },
                    { "numFields", app.NumFields }, { "fields", fields }, { "configs", configs },
                });
            }
            o["applications"] = apps;
            return o;
        }
    }

    internal static class WriteHooks
    {
        /// <summary>
        /// Another writer storing its values the moment after this SetConfigInfo, before the caller can read
        /// back (the test hook "overwriteAfterSet"): used up by the first successful write.
        /// </summary>
        public static void OverwriteAfterSet(StandinState s, Dictionary<string, string> stored)
        {
            foreach (var kv in s.OverwriteAfterSet) stored[kv.Key] = ValueCrypto.Encrypt(s.SecretKey, Convert.ToString(kv.Value));
            s.OverwriteAfterSet.Clear();
        }

        /// <summary>
        /// Another tool (BTDF, the SSO snap-in) saving into <paramref name="original"/> right after a bridge made
        /// its temporary copy, so after the bridge's snapshot and before it compares (the test hook
        /// "toolWriteOnCopy"): used up once. Deterministic, where a timed write would race the field change.
        /// </summary>
        public static void ToolWriteOnCopy(StandinState s, string original)
        {
            var app = s.Find(original);
            if (app == null || s.ToolWriteOnCopy.Count == 0) return;
            foreach (var kv in s.ToolWriteOnCopy)
            {
                Dictionary<string, string> stored;
                if (!app.Configs.TryGetValue(kv.Key, out stored)) continue;
                var values = kv.Value as Dictionary<string, object>;
                if (values == null) continue;
                foreach (var v in values) stored[v.Key] = ValueCrypto.Encrypt(s.SecretKey, Convert.ToString(v.Value));
            }
            s.ToolWriteOnCopy.Clear();
        }
    }

    internal static class StateFile
    {
        static string PathOfState()
        {
            string p = Environment.GetEnvironmentVariable("ENTSSO_STANDIN_STATE");
            // Without a state file the stand-in behaves like a machine whose SSO service is not running.
            if (string.IsNullOrEmpty(p) || !File.Exists(p)) throw Hr.Com(Hr.RpcUnavailable);
            return p;
        }

        public static StandinState Read()
        {
            string p = PathOfState();
            using (Lock(p)) return Load(p).Item1;
        }

        /// <summary>Read, change and write back under the lock; nothing is written when <paramref name="change"/> throws, except a consumed injected fault.</summary>
        public static void Update(Action<StandinState> change)
        {
            string p = PathOfState();
            using (Lock(p))
            {
                var loaded = Load(p);
                var s = loaded.Item1;
                try
                {
                    change(s);
                }
                catch (COMException e)
                {
                    // An injected write race is used up even though the call fails.
                    if ((uint)e.HResult == Hr.WriteRace) Save(p, s, loaded.Item2);
                    throw;
                }
                Save(p, s, loaded.Item2);
            }
        }

        /// <summary>
        /// Adds one to "callCounts"[call], which a test sets to {} to count calls (e.g. how many GetServerStatus
        /// a request makes). Only for calls that hold no lock (read-only ones).
        /// </summary>
        public static void Count(string call)
        {
            string p = PathOfState();
            using (Lock(p))
            {
                var loaded = Load(p);
                var counts = loaded.Item2.ContainsKey("callCounts") ? loaded.Item2["callCounts"] as Dictionary<string, object> : null;
                if (counts == null) return;
                object n;
                counts[call] = (counts.TryGetValue(call, out n) && n is double ? (double)n : 0) + 1;
                Save(p, loaded.Item1, loaded.Item2);
            }
        }

        static Tuple<StandinState, Dictionary<string, object>> Load(string p)
        {
            var raw = JsonObject.Obj(JsonText.Parse(File.ReadAllText(p, Encoding.UTF8)), "stand-in state");
            return Tuple.Create(StandinState.FromJson(raw), raw);
        }

        static void Save(string p, StandinState s, Dictionary<string, object> raw)
        {
            string tmp = p + ".tmp-" + System.Diagnostics.Process.GetCurrentProcess().Id;
            File.WriteAllText(tmp, JsonText.Write(s.ToJson(raw)), new UTF8Encoding(false));
            File.Replace(tmp, p, null);
        }

        /// <summary>A lock file created exclusively; one left by a killed process is taken over after 10 s.</summary>
        static IDisposable Lock(string p)
        {
            string lockPath = p + ".lock";
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (true)
            {
                try
                {
                    var fs = new FileStream(lockPath, FileMode.CreateNew, FileAccess.Write, FileShare.None);
                    return new LockFile(fs, lockPath);
                }
                catch (IOException)
                {
                    try
                    {
                        if (File.Exists(lockPath) && DateTime.UtcNow - File.GetLastWriteTimeUtc(lockPath) > TimeSpan.FromSeconds(10)) File.Delete(lockPath);
                    }
                    catch (IOException) { }
                    if (DateTime.UtcNow > deadline) throw Hr.Com(Hr.Timeout);
                    Thread.Sleep(5);
                }
            }
        }

        sealed class LockFile : IDisposable
        {
            readonly FileStream stream;
            readonly string path;
            public LockFile(FileStream stream, string path) { this.stream = stream; this.path = path; }
            public void Dispose()
            {
                stream.Dispose();
                try { File.Delete(path); } catch (IOException) { }
            }
        }
    }

    internal static class Checks
    {
        public static void LocalServiceUp(StandinState s, [CallerMemberName] string call = "")
        {
            Injected(s, call);
            if (s.AccessDenied) throw new UnauthorizedAccessException("Access is denied.");
            if (!s.LocalRunning) throw Hr.Com(Hr.RpcUnavailable);
        }

        /// <summary>Faults a test injected for this call: a delay, then an HRESULT (0x80070005 as UnauthorizedAccessException, as ENTSSO raises it).</summary>
        public static void Injected(StandinState s, string call)
        {
            object delay;
            if (s.DelayCalls.TryGetValue(call, out delay) && delay is double) Thread.Sleep((int)(double)delay);
            object hr;
            if (!s.FailCalls.TryGetValue(call, out hr) || !(hr is string)) return;
            uint code = Convert.ToUInt32(((string)hr).Substring(2), 16);
            if (code == 0x80070005) throw new UnauthorizedAccessException("Access is denied.");
            throw Hr.Com(code);
        }

        public static StandinApp App(StandinState s, string name)
        {
            var app = s.Find(name ?? "");
            if (app == null) throw Hr.Com(Hr.NoSuchApplication);
            return app;
        }

        public static void CanEncrypt(StandinState s)
        {
            if (!s.SecretCached) throw Hr.Com(Hr.NoSecretForWrite);
            if (!s.MssReachable) throw Hr.Com(Hr.NoSecret);
            if (s.Reencrypting) throw Hr.Com(Hr.Reencrypting);
        }

        public static void SecretOperationAllowed(StandinState s, bool needsSecret, [CallerMemberName] string call = "")
        {
            LocalServiceUp(s, call);
            if (!string.Equals(s.LocalServer, s.SecretServer, StringComparison.OrdinalIgnoreCase)) throw Hr.Com(Hr.NotSecretServer);
            if (needsSecret && !s.MssReachable) throw Hr.Com(Hr.ServerUnreachable);
        }

        public static void BackupArguments(string password, string reminder)
        {
            if (password == null || password.Length < 7) throw Hr.Com(Hr.PasswordTooShort);
            if (reminder != null && reminder.Length > 512) throw Hr.Com(Hr.ReminderTooLong);
        }
    }

    /// <summary>HRESULTs the stand-in raises, as real ENTSSO does (ssomessages.mc).</summary>
    internal static class Hr
    {
        public const uint ApplicationDisabled = 0xC0002A03, NoSuchApplication = 0xC0002A04, ConfigNotSet = 0xC0002A05;
        public const uint NullWithoutValue = 0xC0002A08, NotSecretServer = 0xC0002A0E, ServerUnreachable = 0xC0002A0F;
        public const uint FieldsIncomplete = 0xC0002A11, WrongBackupPassword = 0xC0002A1B, NoSecret = 0xC0002A1F;
        public const uint Reencrypting = 0xC0002A3E, WriteRace = 0xC0002A40, PasswordTooShort = 0xC0002A54;
        public const uint ReminderTooLong = 0xC0002A58, NoSecretForWrite = 0xC0002A5B, CreatedEnabled = 0xC0002A62;
        public const uint Fail = 0x80004005, InvalidArg = 0x80070057, NotImpl = 0x80004001, AlreadyExists = 0x800700B7;
        public const uint RpcUnavailable = 0x800706BA, Timeout = 0x800705B4;

        public static COMException Com(uint hr)
        {
            // The stand-in's messages carry no values, only the code (as a COM error from ENTSSO would).
            return new COMException("ENTSSO stand-in error 0x" + hr.ToString("X8"), unchecked((int)hr));
        }

        public static COMException NotImplemented() { return Com(NotImpl); }
    }

    internal static class ValueCrypto
    {
        public static byte[] NewKey()
        {
            var key = new byte[32];
            using (var rng = RandomNumberGenerator.Create()) rng.GetBytes(key);
            return key;
        }

        public static string Encrypt(byte[] key, string value)
        {
            using (var aes = Aes.Create())
            {
                aes.Key = key; aes.Mode = CipherMode.CBC; aes.Padding = PaddingMode.PKCS7; aes.GenerateIV();
                using (var enc = aes.CreateEncryptor())
                {
                    var plain = Encoding.UTF8.GetBytes(value);
                    var cipher = enc.TransformFinalBlock(plain, 0, plain.Length);
                    var all = new byte[16 + cipher.Length];
                    Buffer.BlockCopy(aes.IV, 0, all, 0, 16);
                    Buffer.BlockCopy(cipher, 0, all, 16, cipher.Length);
                    return Convert.ToBase64String(all);
                }
            }
        }

        public static string Decrypt(byte[] key, string stored)
        {
            var all = Convert.FromBase64String(stored);
            using (var aes = Aes.Create())
            {
                aes.Key = key; aes.Mode = CipherMode.CBC; aes.Padding = PaddingMode.PKCS7;
                var iv = new byte[16];
                Buffer.BlockCopy(all, 0, iv, 0, 16);
                aes.IV = iv;
                using (var dec = aes.CreateDecryptor())
                    return Encoding.UTF8.GetString(dec.TransformFinalBlock(all, 16, all.Length - 16));
            }
        }
    }

    /// <summary>The stand-in's own backup format: a JSON header (reminder, salt) and the secret under AES-256-CBC with a PBKDF2 key and an HMAC.</summary>
    internal static class BackupFile
    {
        const int Iterations = 20000;

        public static void Write(string file, string password, string reminder, string msid, byte[] secret)
        {
            var salt = ValueCrypto.NewKey();
            byte[] encKey, macKey;
            Derive(password, salt, out encKey, out macKey);
            string body = ValueCrypto.Encrypt(encKey, msid + "\n" + Convert.ToBase64String(secret));
            var header = new Dictionary<string, object>
            {
                { "format", "entsso-standin-secret-backup" }, { "version", 1 }, { "reminder", reminder ?? "" },
                { "salt", Convert.ToBase64String(salt) }, { "body", body }, { "mac", Mac(macKey, body) },
            };
            File.WriteAllText(file, JsonText.Write(header), new UTF8Encoding(false));
        }

        public static string Reminder(string file)
        {
            return JsonObject.Str(ReadHeader(file), "reminder", "");
        }

        public static void Open(string file, string password, out string msid, out byte[] secret)
        {
            var h = ReadHeader(file);
            byte[] encKey, macKey;
            Derive(password ?? "", Convert.FromBase64String(JsonObject.Str(h, "salt")), out encKey, out macKey);
            string body = JsonObject.Str(h, "body");
            if (Mac(macKey, body) != JsonObject.Str(h, "mac")) throw Hr.Com(Hr.WrongBackupPassword);
            var parts = ValueCrypto.Decrypt(encKey, body).Split('\n');
            msid = parts[0];
            secret = Convert.FromBase64String(parts[1]);
        }

        static Dictionary<string, object> ReadHeader(string file)
        {
            try
            {
                var h = JsonObject.Obj(JsonText.Parse(File.ReadAllText(file, Encoding.UTF8)), "backup");
                if (JsonObject.Str(h, "format", "") != "entsso-standin-secret-backup") throw Hr.Com(Hr.InvalidArg);
                return h;
            }
            catch (JsonException) { throw Hr.Com(Hr.InvalidArg); }
            catch (FileNotFoundException) { throw Hr.Com(Hr.InvalidArg); }
        }

        static void Derive(string password, byte[] salt, out byte[] encKey, out byte[] macKey)
        {
            using (var kdf = new Rfc2898DeriveBytes(password, salt, Iterations))
            {
                encKey = kdf.GetBytes(32);
                macKey = kdf.GetBytes(32);
            }
        }

        static string Mac(byte[] key, string body)
        {
            using (var h = new HMACSHA256(key)) return Convert.ToBase64String(h.ComputeHash(Encoding.UTF8.GetBytes(body)));
        }
    }
}
