// BizTalk names for adapter SSO applications (named by GUID) and their identifiers (one per send
// port / receive location), read-only from BizTalkMgmtDb. On Windows: the registry says where
// MgmtDb is, and .NET's SqlClient reads it with Windows authentication (loaded by reflection so
// that the bridge builds without System.Data; NOT verified against a real MgmtDb from this
// project). In TEST builds only (compiled with ENTSSO_TEST_HOOKS, scripts/buildBridge.mjs --test-hooks):
// a JSON STAND-IN of MgmtDb given by env ENTSSO_BRIDGE_MGMTDB_FILE. The shipped build has no such
// variable: a product binary must not read another source of names because of its environment.
using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using EntssoBridge.Json;

namespace EntssoBridge
{
    public sealed class PortNameMap
    {
        public static readonly PortNameMap Empty = new PortNameMap();
        readonly Dictionary<string, string> applications = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        readonly Dictionary<string, string> identifiers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

        public void AddHandler(string ssoApplication, string adapter, string host, string direction)
        {
            string name = adapter + " " + direction + " handler (" + host + ")";
            applications[ssoApplication] = name;
            // A handler's own configuration is stored under the application's name.
            identifiers[ssoApplication + "\n" + ssoApplication] = name;
        }

        public void AddPort(string ssoApplication, string identifier, string kind, string port, string adapter, string btsApplication)
        {
            identifiers[ssoApplication + "\n" + identifier] = kind + " " + port + " (" + adapter + ") — " + btsApplication;
        }

        public string ApplicationName(string application)
        {
            string v;
            return applications.TryGetValue(application, out v) ? v : null;
        }

        public string IdentifierName(string application, string identifier)
        {
            string v;
            return identifiers.TryGetValue(application + "\n" + identifier, out v) ? v : null;
        }
    }

    public sealed class PortNames
    {
        static readonly TimeSpan SqlRefresh = TimeSpan.FromSeconds(60);
        PortNameMap map = PortNameMap.Empty;
        DateTime loadedAt = DateTime.MinValue;
#if ENTSSO_TEST_HOOKS
        DateTime fileTime;
#endif

        /// <summary>Why names are not available (null when they are).</summary>
        public string Unavailable { get; private set; }
        public string Source { get; private set; }

        public PortNameMap Current()
        {
            try
            {
#if ENTSSO_TEST_HOOKS
                string file = Environment.GetEnvironmentVariable("ENTSSO_BRIDGE_MGMTDB_FILE");
                if (!string.IsNullOrEmpty(file)) return FromStandinFile(file);
#endif
                if (Environment.OSVersion.Platform != PlatformID.Win32NT)
                {
                    Unavailable = "BizTalkMgmtDb is read on Windows only.";
                    return map = PortNameMap.Empty;
                }
                if (DateTime.UtcNow - loadedAt < SqlRefresh) return map;
                loadedAt = DateTime.UtcNow;
                map = MgmtDb.Load();
                Source = "BizTalkMgmtDb";
                Unavailable = null;
            }
            catch (Exception e)
            {
                // The reason names the failing step, never data.
                Unavailable = e is BridgeError ? e.Message : "BizTalkMgmtDb could not be read (" + e.GetType().Name + ").";
                map = PortNameMap.Empty;
            }
            return map;
        }

#if ENTSSO_TEST_HOOKS
        PortNameMap FromStandinFile(string file)
        {
            if (!File.Exists(file)) throw new BridgeError("ENTSSO_E_INVALID_REQUEST", "The MgmtDb stand-in file " + file + " does not exist.");
            var time = File.GetLastWriteTimeUtc(file);
            if (time == fileTime && Unavailable == null && Source != null) return map;
            var o = JsonObject.Obj(JsonText.Parse(File.ReadAllText(file, Encoding.UTF8)), "MgmtDb stand-in");
            var m = new PortNameMap();
            foreach (var h in JsonObject.Arr(o, "sendHandlers", false)) AddHandler(m, h, "send");
            foreach (var h in JsonObject.Arr(o, "receiveHandlers", false)) AddHandler(m, h, "receive");
            foreach (var s in JsonObject.Arr(o, "sendPorts", false)) AddPort(m, s, "Send port");
            foreach (var r in JsonObject.Arr(o, "receiveLocations", false)) AddPort(m, r, "Receive location");
            fileTime = time;
            map = m;
            Source = "STAND-IN of BizTalkMgmtDb: " + Path.GetFileName(file);
            Unavailable = null;
            return map;
        }

        static void AddHandler(PortNameMap m, object item, string direction)
        {
            var h = JsonObject.Obj(item, "handler");
            m.AddHandler(JsonObject.Str(h, "ssoApplication"), JsonObject.Str(h, "adapter"), JsonObject.Str(h, "host"), direction);
        }

        static void AddPort(PortNameMap m, object item, string kind)
        {
            var p = JsonObject.Obj(item, "port");
            m.AddPort(JsonObject.Str(p, "ssoApplication"), JsonObject.Str(p, "identifier"), kind, JsonObject.Str(p, "name"), JsonObject.Str(p, "adapter"), JsonObject.Str(p, "application"));
        }
#endif
    }

    /// <summary>BizTalkMgmtDb on Windows (read-only, Windows authentication). Queries after kvo181/BizTalk2016 ExplorerOM; unverified here.</summary>
    static class MgmtDb
    {
        const string RegistryKey = @"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\BizTalk Server\3.0\Administration";
        const string SqlClientType = "System.Data.SqlClient.SqlConnection, System.Data, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089";

        const string SendPorts =
            "SELECT CONVERT(nvarchar(40), sh.uidTransmitLocationSSOAppId), CONVERT(nvarchar(40), t.uidGUID), sp.nvcName, a.Name, app.nvcName " +
            "FROM bts_sendport_transport t JOIN bts_sendport sp ON sp.nID = t.nSendPortID " +
            "JOIN adm_SendHandler sh ON sh.Id = t.nSendHandlerID JOIN adm_Adapter a ON a.Id = sh.AdapterId " +
            "JOIN bts_application app ON app.nID = sp.nApplicationID WHERE t.bSSOMappingExists <> 0";
        const string ReceiveLocations =
            "SELECT CONVERT(nvarchar(40), rh.uidReceiveLocationSSOAppID), CONVERT(nvarchar(40), rl.uidCustomCfgID), rl.Name, a.Name, app.nvcName " +
            "FROM adm_ReceiveLocation rl JOIN adm_ReceiveHandler rh ON rh.Id = rl.ReceiveHandlerId JOIN adm_Adapter a ON a.Id = rh.AdapterId " +
            "JOIN bts_receiveport rp ON rp.nID = rl.ReceivePortId JOIN bts_application app ON app.nID = rp.nApplicationID WHERE rl.uidCustomCfgID IS NOT NULL";
        const string SendHandlers =
            "SELECT CONVERT(nvarchar(40), sh.uidTransmitLocationSSOAppId), a.Name, h.Name FROM adm_SendHandler sh JOIN adm_Adapter a ON a.Id = sh.AdapterId JOIN adm_Host h ON h.Id = sh.HostId";
        const string ReceiveHandlers =
            "SELECT CONVERT(nvarchar(40), rh.uidReceiveLocationSSOAppID), a.Name, h.Name FROM adm_ReceiveHandler rh JOIN adm_Adapter a ON a.Id = rh.AdapterId JOIN adm_Host h ON h.Id = rh.HostId";

        public static PortNameMap Load()
        {
            string server = Microsoft.Win32.Registry.GetValue(RegistryKey, "MgmtDBServer", null) as string;
            string database = Microsoft.Win32.Registry.GetValue(RegistryKey, "MgmtDBName", null) as string;
            if (string.IsNullOrEmpty(server) || string.IsNullOrEmpty(database))
                throw new BridgeError("ENTSSO_E_INVALID_REQUEST", "BizTalk Server's management database is not configured on this machine (no MgmtDBServer in the registry).");
            var type = Type.GetType(SqlClientType, true);
            string cs = "Data Source=" + server + ";Initial Catalog=" + database + ";Integrated Security=SSPI;Application Intent=ReadOnly;Connect Timeout=5";
            dynamic connection = Activator.CreateInstance(type, cs);
            using ((IDisposable)connection)
            {
                connection.Open();
                var m = new PortNameMap();
                foreach (var r in Query(connection, SendHandlers)) m.AddHandler(Guid(r[0]), r[1], r[2], "send");
                foreach (var r in Query(connection, ReceiveHandlers)) m.AddHandler(Guid(r[0]), r[1], r[2], "receive");
                foreach (var r in Query(connection, SendPorts)) m.AddPort(Guid(r[0]), Guid(r[1]), "Send port", r[2], r[3], r[4]);
                foreach (var r in Query(connection, ReceiveLocations)) m.AddPort(Guid(r[0]), Guid(r[1]), "Receive location", r[2], r[3], r[4]);
                return m;
            }
        }

        static string Guid(string value) { return "{" + value.Trim('{', '}').ToUpperInvariant() + "}"; }

        static List<string[]> Query(dynamic connection, string sql)
        {
            var rows = new List<string[]>();
            dynamic command = connection.CreateCommand();
            command.CommandText = sql;
            command.CommandTimeout = 10;
            using (dynamic reader = command.ExecuteReader())
            {
                while (reader.Read() && rows.Count < 100000)
                {
                    int n = reader.FieldCount;
                    var row = new string[n];
                    for (int i = 0; i < n; i++) row[i] = reader.IsDBNull(i) ? "" : Convert.ToString(reader.GetValue(i));
                    rows.Add(row);
                }
            }
            return rows;
        }
    }
}
