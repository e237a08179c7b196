// Test probe of the ENTSSO STAND-IN (not the bridge): makes one interop call per run, the way code
// written against Microsoft's assembly does, and prints the outcome as one JSON line, so that
// test/bridge/standinBehaviour.test.ts can check the stand-in's documented behaviours directly.
//   mono probe.exe <command> [args…]   (ENTSSO_STANDIN_STATE names the state file)
using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using Microsoft.EnterpriseSingleSignOn.Interop;

class Bag : IPropertyBag
{
    public readonly Dictionary<string, object> Values = new Dictionary<string, object>();
    public void Read(string propName, out object ptrVar, int errorLog) { Values.TryGetValue(propName, out ptrVar); }
    public void Write(string propName, ref object ptrVar) { Values[propName] = ptrVar; }
}

static class Probe
{
    static string Quote(string s) { return s == null ? "null" : "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\""; }

    static int Main(string[] args)
    {
        try
        {
            Console.WriteLine("{\"ok\":true,\"result\":" + Run(args) + "}");
        }
        catch (Exception e)
        {
            Console.WriteLine("{\"ok\":false,\"type\":" + Quote(e.GetType().Name) + ",\"hresult\":" + Quote("0x" + e.HResult.ToString("X8")) + "}");
        }
        return 0;
    }

    static string Run(string[] a)
    {
        switch (a[0])
        {
            case "create":
            {
                ISSOAdmin admin = new ISSOAdmin();
                var fields = a.Skip(3).ToArray();
                admin.CreateApplication(a[1], "probe", "probe", "Users", "Admins", int.Parse(a[2]), fields.Length);
                foreach (var f in fields) admin.CreateFieldInfo(a[1], f.Split(':')[0], int.Parse(f.Split(':')[1]));
                return "null";
            }
            case "enable":
            {
                ISSOAdmin admin = new ISSOAdmin();
                admin.UpdateApplication(a[1], null, null, null, null, SSOFlag.SSO_FLAG_ENABLED, SSOFlag.SSO_FLAG_ENABLED);
                return "null";
            }
            case "fieldinfo":
            {
                ISSOMapper2 mapper = new ISSOMapper2();
                string[] labels; int[] flags;
                mapper.GetFieldInfo(a[1], out labels, out flags);
                return "[" + string.Join(",", labels.Select(Quote)) + "]";
            }
            case "set":
            {
                ISSOConfigStore store = new ISSOConfigStore();
                var bag = new Bag();
                foreach (var kv in a.Skip(3)) { int eq = kv.IndexOf('='); string v = kv.Substring(eq + 1); bag.Values[kv.Substring(0, eq)] = v == "@null" ? (object)DBNull.Value : v; }
                store.SetConfigInfo(a[1], a[2], bag);
                return "null";
            }
            case "get":
            {
                ISSOConfigStore store = new ISSOConfigStore();
                var bag = new Bag();
                store.GetConfigInfo(a[1], a[2], int.Parse(a[3]), bag);
                return "{" + string.Join(",", bag.Values.Select(kv => Quote(kv.Key) + ":" + Quote(Convert.ToString(kv.Value)))) + "}";
            }
            case "apps":
            {
                ISSOMapper2 mapper = new ISSOMapper2();
                if (a.Length > 1)
                {
                    object flags = int.Parse(a[1]), mask = int.Parse(a[2]);
                    ((IPropertyBag)mapper).Write("AppFilterFlags", ref flags);
                    ((IPropertyBag)mapper).Write(a[3], ref mask);
                }
                string[] names, d, c, u, ad; int[] f;
                mapper.GetApplications2(out names, out d, out c, out u, out ad, out f);
                return "[" + string.Join(",", names.Select(Quote)) + "]";
            }
            case "status":
            {
                ISSOConfigOM om = new ISSOConfigOM();
                if (a.Length > 1) { object server = a[1]; ((IPropertyBag)om).Write("CurrentSSOServer", ref server); }
                string n, s, db, acc, cl, node; int i1, i2, i3, vm, vl, an, ap, age, flags;
                om.GetServerStatus(0, out n, out s, out db, out acc, out cl, out node, out i1, out i2, out i3, out vm, out vl, out an, out ap, out age, out flags);
                return flags.ToString();
            }
            case "backup": { ISSOConfigSS ss = new ISSOConfigSS(); ss.BackupSecret(a[1], a[2], a[3]); return "null"; }
            case "restore": { ISSOConfigSS ss = new ISSOConfigSS(); ss.RestoreSecret(a[1], a[2]); return "null"; }
            case "reminder": { ISSOConfigSS ss = new ISSOConfigSS(); string r; ss.GetFilePasswordReminder(a[1], out r); return Quote(r); }
            case "globalinfo":
            {
                ISSOAdmin admin = new ISSOAdmin();
                int f, a1, a2, a3, a4, t1, t2; string mss, g1, g2;
                admin.GetGlobalInfo(out f, out a1, out a2, out a3, out a4, out t1, out t2, out mss, out g1, out g2);
                return Quote(mss);
            }
            default: throw new ArgumentException("unknown probe command");
        }
    }
}
