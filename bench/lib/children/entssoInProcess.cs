// The LIMIT of the ENTSSO bridge benchmark (bench/bridge.bench.ts): the same user calls the bridge
// serves, made in-process in C# on the same ENTSSO STAND-IN, with no process boundary and no JSON.
// Compiled with mcs at bench time into the run's scratch folder (never committed as a binary) and run
// under the same mono as the bridge. Each call makes the interop calls its answer needs, as the
// bridge's answer carries the same information:
//   config       read one configuration: GetFieldInfo (labels, which are masked) + GetConfigInfo
//                (RUNTIME | REFRESH), masked values left out of what is shown.
//   identifiers  one page of identifiers: GetApplicationInfo + GetMappingsForExternalUser (the
//                $ConfigStore$ ones, sorted). The bridge's listing has no row version (it would take
//                a GetConfigInfo per identifier), so neither reads a configuration.
//   apps         one page of applications: GetApplications2 (sorted), and per application on the
//                page GetApplicationInfo (number of fields) + GetMappingsForExternalUser (count).
// Protocol: args <application> <identifier> <page size>; then on stdin "<call> <count>" lines, each
// answered on stdout by one JSON line {"call":..,"ms":[..]} (Stopwatch, per call). Nothing secret is
// printed: only timings and counts.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Text;
using Microsoft.EnterpriseSingleSignOn.Interop;

namespace EntssoBench
{
    sealed class Bag : IPropertyBag
    {
        public readonly Dictionary<string, object> Values = new Dictionary<string, object>(StringComparer.Ordinal);
        public void Read(string propName, out object ptrVar, int errorLog) { Values.TryGetValue(propName, out ptrVar); }
        public void Write(string propName, ref object ptrVar) { Values[propName] = ptrVar; }
    }

    static class InProcess
    {
        const string ConfigStoreDomain = "$ConfigStore$";

        public static int Main(string[] args)
        {
            if (args.Length != 3) { Console.Error.WriteLine("usage: entssoInProcess.exe <application> <identifier> <page size>"); return 2; }
            string application = args[0], identifier = args[1];
            int pageSize = int.Parse(args[2], CultureInfo.InvariantCulture);
            var calls = new Dictionary<string, Func<int>>
            {
                { "config", () => ReadConfiguration(application, identifier) },
                { "identifiers", () => IdentifierPage(application, pageSize) },
                { "apps", () => ApplicationPage(pageSize) },
            };
            string line;
            while ((line = Console.In.ReadLine()) != null)
            {
                var parts = line.Split(' ');
                Func<int> call;
                int count;
                if (parts.Length != 2 || !calls.TryGetValue(parts[0], out call) || !int.TryParse(parts[1], out count))
                {
                    Console.Out.WriteLine("{\"error\":\"unknown command\"}");
                    Console.Out.Flush();
                    continue;
                }
                Console.Out.WriteLine(Run(parts[0], call, count));
                Console.Out.Flush();
            }
            return 0;
        }

        static string Run(string name, Func<int> call, int count)
        {
            var ms = new StringBuilder();
            int items = 0;
            for (int i = 0; i < count; i++)
            {
                var watch = Stopwatch.StartNew();
                items = call();
                watch.Stop();
                if (i > 0) ms.Append(',');
                ms.Append((watch.Elapsed.TotalMilliseconds).ToString("R", CultureInfo.InvariantCulture));
            }
            return "{\"call\":\"" + name + "\",\"items\":" + items + ",\"ms\":[" + ms + "]}";
        }

        static int ReadConfiguration(string application, string identifier)
        {
            ISSOMapper2 mapper = new ISSOMapper2();
            string[] labels; int[] flags;
            mapper.GetFieldInfo(application, out labels, out flags);
            ISSOConfigStore store = new ISSOConfigStore();
            var bag = new Bag();
            store.GetConfigInfo(application, identifier, SSOFlag.SSO_FLAG_RUNTIME | SSOFlag.SSO_FLAG_REFRESH, bag);
            var shown = new Dictionary<string, string>(StringComparer.Ordinal);
            for (int i = 0; i < labels.Length; i++)
            {
                object v;
                bool masked = (flags[i] & SSOFlag.SSO_FLAG_FIELD_INFO_MASK) != 0;
                shown[labels[i]] = masked ? "" : bag.Values.TryGetValue(labels[i], out v) && v != null ? Convert.ToString(v) : "";
            }
            return shown.Count;
        }

        static List<string> Identifiers(string application)
        {
            ISSOMapper2 mapper = new ISSOMapper2();
            var result = new List<string>();
            foreach (object o in mapper.GetMappingsForExternalUser(application, null) ?? new object[0])
            {
                var m = (ISSOMapping)o;
                if (string.Equals(m.WindowsDomainName, ConfigStoreDomain, StringComparison.OrdinalIgnoreCase)) result.Add(m.WindowsUserName);
            }
            result.Sort(StringComparer.OrdinalIgnoreCase);
            return result;
        }

        static int ApplicationFlags(string application, out int numFields)
        {
            ISSOAdmin admin = new ISSOAdmin();
            string description, contact, users, admins; int flags;
            admin.GetApplicationInfo(application, out description, out contact, out users, out admins, out flags, out numFields);
            return flags;
        }

        static int IdentifierPage(string application, int pageSize)
        {
            int numFields;
            ApplicationFlags(application, out numFields);
            return Identifiers(application).Take(pageSize).Count();
        }

        static int ApplicationPage(int pageSize)
        {
            ISSOMapper2 mapper = new ISSOMapper2();
            // The type filter the bridge sets (Entsso.ListEveryType): without it ENTSSO, and the stand-in,
            // list affiliate applications only, and this limit would time an empty page.
            object types = (uint)(AffiliateApplicationType.ConfigStore | AffiliateApplicationType.All);
            object mask = (uint)SSOFlag.SSO_FLAG_APP_FILTER_BY_TYPE;
            ((IPropertyBag)mapper).Write("AppFilterFlags", ref types);
            ((IPropertyBag)mapper).Write("AppFilterFlagMask", ref mask);
            string[] names, descriptions, contacts, users, admins; int[] flags;
            mapper.GetApplications2(out names, out descriptions, out contacts, out users, out admins, out flags);
            var page = names.OrderBy(n => n, StringComparer.OrdinalIgnoreCase).Take(pageSize).ToList();
            foreach (var name in page)
            {
                int numFields;
                if ((ApplicationFlags(name, out numFields) & SSOFlag.SSO_FLAG_APP_CONFIG_STORE) != 0) Identifiers(name);
            }
            if (page.Count == 0) throw new InvalidOperationException("GetApplications2 listed no application: the limit would time an empty page");
            return page.Count;
        }
    }
}
